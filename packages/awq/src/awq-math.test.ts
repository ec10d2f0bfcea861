import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { awqQuantArgs } from './awq-args';
import { normalizedWeightMean, outputSquaredError, pseudoQuantize, ratioScales } from './awq-math';
import { columnGroups } from './column-groups';
import { awqConfig } from './config';
import { randn, referenceQuantize } from './test-helpers';

function values(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

describe.each(TEST_BACKENDS)('AWQ math on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('pseudo-quantizes each row group with min/max qparams, the last group ragged', () => {
    const data = randn(30, 1);
    const w = tf.tensor2d(data, [3, 10]);
    const restored = values(pseudoQuantize(w, awqQuantArgs(awqConfig({ bits: 3, groupSize: 4 }))));
    const expected = [0, 1, 2].flatMap((r) =>
      [0, 4, 8].flatMap((c) =>
        referenceQuantize(Array.from(data.subarray(r * 10 + c, r * 10 + Math.min(c + 4, 10))), 3),
      ),
    );
    restored.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
    w.dispose();
  });

  it('scores Σ_tokens ‖Δx‖² as tr(Δ G Δᵀ) with G = Σ x xᵀ', () => {
    const x = tf.tensor2d(randn(50 * 6, 2), [50, 6]);
    const delta = tf.tensor2d(randn(4 * 6, 3), [4, 6]);
    const gram = tf.matMul(tf.transpose(x), x) as tf.Tensor2D;
    const direct = tf.tidy(() => tf.sum(tf.square(tf.matMul(x, tf.transpose(delta)))).dataSync()[0]);
    expect(values(outputSquaredError(delta, gram))[0]).toBeCloseTo(direct, 2);
    expect(direct).toBeGreaterThan(1);
    tf.dispose([x, delta, gram]);
  });

  it('turns x̄ into scales x̄^r floored at 1e-4 and normalised by √(max·min)', () => {
    // r = 0.5: (2, 1, 0.5, 1e-4) / √(2 · 1e-4).
    const x = tf.tensor1d([4, 1, 0.25, 0]);
    const s = values(ratioScales(x, 0.5));
    [141.421356, 70.710678, 35.355339, 0.00707107].forEach((v, i) => {
      expect(s[i]).toBeCloseTo(v, 3);
    });
    expect(values(ratioScales(x, 0))).toEqual([1, 1, 1, 1]);
    x.dispose();
  });

  it('divides by w̄^(1−r) with duo scaling, w̄ the mean of |w| over its group absmax', () => {
    // Groups of 2 on 3 columns: A = [1, −2 | 3] → (0.5, 1 | 1); B = [−4, 2 | 1] → (1, 0.5 | 1).
    const a = tf.tensor2d([[1, -2, 3]]);
    const b = tf.tensor2d([[-4, 2, 1]]);
    const mean = values(normalizedWeightMean([a, b], columnGroups(awqConfig({ groupSize: 2 }), 3)));
    [0.75, 0.75, 1].forEach((v, i) => {
      expect(mean[i]).toBeCloseTo(v, 5);
    });
    // r = 0.5, x̄ = (4, 1), w̄ = (0.5, 1): (2 / (√0.5 + 1e-4), 1 / (1 + 1e-4)) / √(product).
    const [x, w] = [tf.tensor1d([4, 1]), tf.tensor1d([0.5, 1])];
    const s = values(ratioScales(x, 0.5, w));
    expect(s[0]).toBeCloseTo(1.681758, 5);
    expect(s[1]).toBeCloseTo(0.594616, 5);
    tf.dispose([a, b, x, w]);
  });
});
