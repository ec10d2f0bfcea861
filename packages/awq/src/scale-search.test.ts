import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AwqConfigInput, awqConfig } from './config';
import { InputStats } from './input-stats';
import { searchScales } from './scale-search';
import { randn, referenceQuantize } from './test-helpers';

/** Runs searchScales on weights [out_i, in] and input tokens [n, in]. */
function search(weights: number[][][], tokens: tf.Tensor2D, config: AwqConfigInput) {
  const stats = new InputStats(tokens.shape[1]);
  stats.add(tokens, 'test');
  const ws = weights.map((w) => tf.tensor2d(w));
  const gram = stats.gram();
  const before = tf.memory().numTensors;
  const result = searchScales(ws, stats.meanAbs(), gram, awqConfig(config));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([...ws, gram]);
  return result;
}

/** The same search in plain float64 JS: every ratio, every row group quantized, loss summed over tokens. */
function referenceSearch(weights: number[][][], tokens: number[][], bits: number, groupSize: number) {
  const channels = tokens[0].length;
  const xMean = Array.from(
    { length: channels },
    (_, j) => tokens.reduce((s, x) => s + Math.abs(x[j]), 0) / tokens.length,
  );
  const outputs = weights.reduce((s, w) => s + w.length, 0);
  const lossAt = (s: number[]) => {
    let loss = 0;
    for (const row of weights.flat()) {
      const q: number[] = [];
      for (let c = 0; c < channels; c += groupSize) {
        q.push(
          ...referenceQuantize(
            row.slice(c, c + groupSize).map((v, k) => v * s[c + k]),
            bits,
          ),
        );
      }
      const delta = row.map((v, j) => v - q[j] / s[j]);
      for (const x of tokens) loss += delta.reduce((sum, d, j) => sum + d * x[j], 0) ** 2;
    }
    return loss / tokens.length / outputs;
  };
  let best = { ratio: Number.NaN, mse: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 20; i++) {
    const raw = xMean.map((v) => Math.max(v ** (i / 20), 1e-4));
    const norm = Math.sqrt(Math.max(...raw) * Math.min(...raw));
    const mse = lossAt(raw.map((v) => v / norm));
    if (mse < best.mse) best = { ratio: i / 20, mse };
  }
  return { ...best, mseBefore: lossAt(xMean.map(() => 1)) };
}

describe.each(TEST_BACKENDS)('AWQ scale search on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('protects the weight of a large-activation channel: the hand-worked 2-channel case', () => {
    // W = [0.2, 0.9], 2-bit asymmetric per row; tokens (±10, ±1): x̄ = (10, 1), E[x xᵀ] = diag(100, 1).
    // RTN: scale 0.9/3 = 0.3, levels 0, 0.3, 0.6, 0.9; 0.2 → 0.3 and the error 0.1 meets |x₀| = 10: MSE 1.
    // r = 0.65: s = (10^0.325, 10^−0.325) = (2.1135, 0.4732), W·s = (0.4227, 0.4258); scale 0.4258/3,
    // 0.4227 → 3 steps = 0.4258, /s₀ = 0.2015: error 0.0015·10 → MSE 2.2e-4, the smallest of the grid.
    const tokens = tf.tensor2d([
      [10, 1],
      [-10, 1],
      [10, -1],
      [-10, -1],
    ]);
    const result = search([[[0.2, 0.9]]], tokens, { bits: 2, groupSize: 'channel' });
    expect(result.mseBefore).toBeCloseTo(1, 5);
    expect(result.ratio).toBe(0.65);
    expect(result.mseAfter).toBeCloseTo(2.2e-4, 5);
    expect(result.scales[0]).toBeCloseTo(2.1135, 4);
    expect(result.scales[1]).toBeCloseTo(0.4732, 4);
    tokens.dispose();
  });

  it('matches a plain float64 search over the tokens for weights sharing one input, ragged groups', () => {
    const channels = 10;
    const outlier = (j: number) => (j === 3 || j === 7 ? 8 : 1);
    const data = Array.from(randn(64 * channels, 11), (v, i) => v * outlier(i % channels));
    const tokens = Array.from({ length: 64 }, (_, n) => data.slice(n * channels, (n + 1) * channels));
    const weights = [6, 4].map((rows, w) =>
      Array.from({ length: rows }, (_, r) => Array.from(randn(channels, 100 + 10 * w + r))),
    );
    const x = tf.tensor2d(tokens);
    const result = search(weights, x, { bits: 3, groupSize: 4 });
    const expected = referenceSearch(weights, tokens, 3, 4);
    expect(result.ratio).toBe(expected.ratio);
    expect(result.ratio).toBeGreaterThan(0);
    expect(result.mseAfter).toBeCloseTo(expected.mse, 4);
    expect(result.mseBefore).toBeCloseTo(expected.mseBefore, 4);
    expect(result.mseAfter).toBeLessThan(0.8 * result.mseBefore);
    x.dispose();
  });

  it('with duo scaling also weighs the weights, and still beats RTN on the hand-worked case', () => {
    const tokens = tf.tensor2d([
      [10, 1],
      [-10, 1],
      [10, -1],
      [-10, -1],
    ]);
    const result = search([[[0.2, 0.9]]], tokens, { bits: 2, groupSize: 'channel', duoScaling: true });
    expect(result.mseBefore).toBeCloseTo(1, 5);
    expect(result.mseAfter).toBeLessThan(0.05);
    // s = x̄^r / (w̄^(1−r) + 1e-4) with w̄ = (0.2/0.9, 1) (one group per row): the normalisation keeps s₀/s₁.
    const r = result.ratio;
    const expected = (10 ** r * (1 + 1e-4)) / ((0.2 / 0.9) ** (1 - r) + 1e-4);
    expect(result.scales[0] / result.scales[1]).toBeCloseTo(expected, 3);
    tokens.dispose();
  });
});
