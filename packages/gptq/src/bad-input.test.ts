import { initBackend, mulberry32, runRecipe, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptqQuantizeWeight } from './gptq-math';
import { gptq } from './gptq-modifier';
import { correlatedInputs, expectLowbitError, hessianOf, randn } from './test-helpers';
import { toyCalibration, toyModel } from './test-model';

function meanDiagonal(h: tf.Tensor2D): number {
  const n = h.shape[0];
  const values = h.dataSync();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i * n + i];
  return sum / n;
}

describe.each(TEST_BACKENDS)('GPTQ bad input on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('zeroes the weights of dead inputs (H[i,i] = 0) and quantizes the rest', () => {
    const [n, d, dead] = [128, 24, [3, 10]];
    const x = correlatedInputs(n, d, 61).map((v, i) => (dead.includes(i % d) ? 0 : v));
    const h = hessianOf(x, d);
    const w = tf.tensor2d(randn(8 * d, 62), [8, d]);
    for (const config of [
      { groupSize: 8 },
      { groupSize: 8, actOrder: true },
      { groupSize: 'channel' as const },
    ]) {
      const result = gptqQuantizeWeight(w, h, config, 'fc.dead');
      const q = result.quantized.dequantize();
      const values = q.arraySync() as number[][];
      for (const row of values) {
        for (const column of dead) expect(row[column]).toBe(0);
        expect(row.every(Number.isFinite)).toBe(true);
      }
      // Damping uses the mean diagonal after the dead entries were set to 1.
      expect(result.damp).toBeCloseTo(0.01 * ((meanDiagonal(h) * d + dead.length) / d), 6);
      q.dispose();
    }
    tf.dispose([h, w]);
  });

  it('recovers a singular Hessian by raising the dampening and reports the damp that worked', () => {
    // 4 samples of 16 features: H has rank 4. With percdamp 1e-9, (H + damp·I)⁻¹ is too ill-conditioned
    // for float32, so withDamping retries at ×10 the ratio until the factorization succeeds.
    const random = mulberry32(5);
    const x = Float32Array.from({ length: 4 * 16 }, () => random() - 0.5);
    const h = hessianOf(x, 16);
    const w = tf.tensor2d(randn(8 * 16, 63), [8, 16]);
    const percdamp = 1e-9;
    const result = gptqQuantizeWeight(w, h, { groupSize: 'channel', percdamp }, 'fc.singular');
    expect(result.tries).toBeGreaterThan(1);
    expect(result.dampRatio).toBeCloseTo(percdamp * 10 ** (result.tries - 1), 15);
    expect(result.damp).toBeGreaterThan(10 * percdamp * meanDiagonal(h) * 0.99);
    expect(Number.isFinite(result.loss)).toBe(true);
    tf.dispose([h, w]);
  });

  it('names the block and the layer whose calibration inputs hold NaN', () => {
    const calibration = toyCalibration();
    const poisoned = tf.tidy(() => tf.concat([calibration[0], tf.fill([1, 12], Number.NaN)]));
    expectLowbitError(
      () => runRecipe(toyModel(), [gptq({ groupSize: 'channel' })], { calibration: [poisoned] }),
      'BAD_TENSOR',
      /Block "block0", layer "block0\.q"/,
      /NaN or Inf/,
    );
    // A q weight of 1e38 makes x·qᵀ overflow: the Inf first reaches block0.o, re-captured after q.
    const model = toyModel();
    const q = model.blocks[0].targets[0];
    const huge = tf.tidy(() => tf.add(q.weight(), tf.mul(tf.oneHot(tf.zeros([6], 'int32'), 12), 1e38)));
    q.setWeight(huge);
    expectLowbitError(
      () => runRecipe(model, [gptq({ groupSize: 'channel' })], { calibration }),
      'BAD_TENSOR',
      /Block "block0", layer "block0\.o"/,
    );
    tf.dispose([...calibration, poisoned, huge]);
  });

  it('rejects bad weights and Hessians naming the weight, without leaking tensors', () => {
    const w = tf.tensor2d(randn(4 * 8, 64), [4, 8]);
    const h = tf.eye(8) as tf.Tensor2D;
    const nan = tf.tensor2d([Number.NaN, ...randn(31, 65)], [4, 8]);
    const nanHessian = tf.fill([8, 8], Number.NaN) as tf.Tensor2D;
    const small = tf.eye(6) as tf.Tensor2D;
    const negative = tf.mul(tf.eye(8), -1) as tf.Tensor2D;
    const ints = tf.zeros([4, 8], 'int32') as tf.Tensor2D;
    const before = tf.memory().numTensors;
    expectLowbitError(() => gptqQuantizeWeight(nan, h, {}, 'fc.nan'), 'BAD_TENSOR', /"fc\.nan"/, /NaN/);
    expectLowbitError(() => gptqQuantizeWeight(w, nanHessian, {}, 'fc.h'), 'BAD_TENSOR', /"fc\.h\.H"/, /NaN/);
    expectLowbitError(() => gptqQuantizeWeight(w, small, {}, 'fc.h'), 'BAD_TENSOR', /"fc\.h"/, /\[8, 8\]/);
    expectLowbitError(() => gptqQuantizeWeight(ints, h, {}, 'fc.int'), 'BAD_TENSOR', /"fc\.int"/, /float32/);
    expectLowbitError(() => gptqQuantizeWeight(w, h, { groupSize: 16 }, 'fc.g'), 'BAD_ARGS', /"fc\.g" \(8\)/);
    expectLowbitError(() => gptqQuantizeWeight(w, h, { bits: 1 }), 'BAD_ARGS', /bits is 1/);
    expectLowbitError(
      () => gptqQuantizeWeight(w, negative, { groupSize: 4 }, 'fc.neg'),
      'NOT_PD',
      /"fc\.neg\.H"/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, h, nan, nanHessian, small, negative, ints]);
  });
});
