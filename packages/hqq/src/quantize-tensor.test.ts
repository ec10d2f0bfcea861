import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HqqConfigInput } from './config';
import type { HqqResult } from './hqq-result';
import { hqqQuantizeTensor } from './quantize-tensor';
import { expectLowbitError, randn, studentT2, take, withWeight } from './test-helpers';

/** Round half to even, as tf.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Codes and reconstruction of `values` from the result's scales and zero points, computed here in
 * float32 arithmetic from the definitions: group (r, c) along `axis`, q = clamp(round(w/s + z)),
 * ŵ = (q − z)·s.
 */
function expectedRoundTrip(values: Float32Array, result: HqqResult, axis: 0 | 1, groupSize: number) {
  const [rows, columns] = result.shape;
  const { scale, zeroPoint, args } = result.quantized;
  const groupsPerRow = Math.ceil(columns / groupSize);
  const f = Math.fround;
  const codes = new Int32Array(values.length);
  const reconstruction = new Float32Array(values.length);
  values.forEach((w, i) => {
    const [r, c] = [Math.floor(i / columns), i % columns];
    const p =
      axis === 1 ? r * groupsPerRow + Math.floor(c / groupSize) : Math.floor(r / groupSize) * columns + c;
    codes[i] = Math.min(2 ** args.bits - 1, Math.max(0, roundHalfEven(f(f(w / scale[p]) + zeroPoint[p]))));
    reconstruction[i] = f(f(codes[i] - zeroPoint[p]) * scale[p]);
  });
  return { codes, reconstruction, rows };
}

const meanAbs = (a: Float32Array, b: Float32Array) =>
  a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe.each(TEST_BACKENDS)('%s', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  const quantize = (values: Float32Array, shape: [number, number], config: HqqConfigInput, name = 'w') =>
    withWeight(values, shape, (weight) => hqqQuantizeTensor(weight, config, name));

  it.each([
    { axis: 1, shape: [24, 172], paramShape: [24, 3] },
    { axis: 0, shape: [172, 24], paramShape: [3, 24] },
  ] as const)(
    'ragged groups of 64 along axis $axis of $shape dequantize to the solver reconstruction',
    (c) => {
      const values = studentT2(c.shape[0] * c.shape[1], 7);
      const result = quantize(values, [...c.shape], { bits: 3, axis: c.axis });
      const { args } = result.quantized;
      expect(args).toMatchObject({ bits: 3, symmetric: false, signed: false, zeroPointDomain: 'float' });
      expect(args.granularity).toEqual({ kind: 'group', size: 64, axis: c.axis });
      expect(result.quantized.paramShape).toEqual(c.paramShape);
      const expected = expectedRoundTrip(values, result, c.axis, 64);
      expect(result.quantized.codes).toEqual(expected.codes);
      const dequantized = take(result.quantized.dequantize());
      dequantized.forEach((v, i) => {
        expect(v).toBeCloseTo(expected.reconstruction[i], 6);
      });
      // The solver's tracked error is the error of this reconstruction, padding excluded.
      expect(result.meanAbsErrorAfter).toBeCloseTo(meanAbs(values, dequantized), 6);
      expect(result.meanAbsErrorAfter).toBeLessThan(result.meanAbsErrorBefore);
      const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
      const difference = values.map((v, i) => v - dequantized[i]);
      expect(result.relativeError).toBeCloseTo(norm(difference) / norm(values), 5);
      expect(result.sizeBytes).toBe((values.length * 3) / 8 + 2 * 4 * 72);
    },
  );

  it("without optimize keeps core's min/max qparams: z = −min/s, no steps", () => {
    const values = randn(8 * 64, 3);
    const plain = quantize(values, [8, 64], { optimize: false });
    const optimized = quantize(values, [8, 64], {});
    expect(plain.iterations).toBe(0);
    expect(plain.meanAbsErrorAfter).toBe(plain.meanAbsErrorBefore);
    expect(optimized.meanAbsErrorBefore).toBe(plain.meanAbsErrorBefore);
    expect(optimized.iterations).toBeGreaterThan(0);
    for (let r = 0; r < 8; r++) {
      const row = values.subarray(64 * r, 64 * (r + 1));
      const [min, max] = [Math.min(...row), Math.max(...row)];
      expect(plain.quantized.scale[r]).toBeCloseTo((max - min) / 15, 6);
      expect(plain.quantized.zeroPoint[r]).toBeCloseTo(-min / plain.quantized.scale[r], 4);
    }
  });

  it.each([0, -0.75])('restores a constant %s weight exactly', (value) => {
    const result = quantize(new Float32Array(2 * 16).fill(value), [2, 16], { groupSize: 8 });
    expect(Array.from(take(result.quantized.dequantize()))).toEqual(new Array(32).fill(value));
    expect(result.relativeError).toBe(0);
    expect(result.meanAbsErrorAfter).toBe(0);
  });

  it('rejects weights that are not finite, non-empty float32 [out, in] matrices, naming them', () => {
    const bad = (weight: tf.Tensor, pattern: RegExp) => {
      expectLowbitError(
        () => hqqQuantizeTensor(weight as tf.Tensor2D, {}, 'layers.0.wq'),
        'BAD_TENSOR',
        pattern,
      );
      weight.dispose();
    };
    bad(tf.zeros([2, 2, 2]), /"layers\.0\.wq" has shape \[2,2,2\]; pass a 2-D \[out, in\] weight/);
    bad(tf.zeros([2, 64], 'int32'), /"layers\.0\.wq" is int32; cast it/);
    bad(tf.zeros([0, 64]), /"layers\.0\.wq" is empty/);
    bad(tf.tensor2d([[1, Number.NaN]]), /"layers\.0\.wq" has 1 NaN or Inf/);
  });

  it('rejects a group larger than the grouped dimension, naming the weight and the fix', () => {
    const values = randn(100 * 40, 1);
    expectLowbitError(
      () => quantize(values, [100, 40], {}, 'layers.1.w2'),
      'BAD_ARGS',
      /groupSize 64 is larger than the input dimension of weight "layers\.1\.w2" \(40\); use groupSize ≤ 40/,
    );
    expectLowbitError(
      () => quantize(values, [40, 100], { axis: 0 }),
      'BAD_ARGS',
      /larger than the output dimension of weight "w" \(40\)/,
    );
    expectLowbitError(() => quantize(values, [40, 100], { bits: 1 }), 'BAD_ARGS', /from 2 to 8/);
  });
});
