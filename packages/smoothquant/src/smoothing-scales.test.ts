import { initBackend, runRecipe, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelRange } from './channel-range';
import { MIN_SCALE, smoothingScales, weightColumnAbsMax } from './smoothing-scales';
import { smoothquant } from './smoothquant-modifier';
import { outputOf, relativeDifference, toyModel } from './test-support/test-helpers';

// Calibration inputs of a 2-channel toy: max|X| = [4, 8].
const X = [
  [1, -8],
  [-4, 2],
];
// fc weight [out 2, in 2]: max|W[:, j]| = [2, 1].
const W = [
  [0.5, -1],
  [2, 0.25],
];
/** Hand-worked α = 0.5 scales: s_j = sqrt(max|X_j| / max|W_j|). */
const S = [Math.sqrt(4 / 2), Math.sqrt(8 / 1)];

describe.each(TEST_BACKENDS)('smoothing scales on %s', (backend) => {
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

  it('computes max|X_j| and max|W_j| of the 2-channel toy', () => {
    const range = new ChannelRange(2);
    const x = tf.tensor2d(X);
    range.add(x, 'fc');
    x.dispose();
    expect(Array.from(range.absMax())).toEqual([4, 8]);
    expect(Array.from(weightColumnAbsMax(toyModel([1, 1], W).blocks[0].targets))).toEqual([2, 1]);
  });

  it('gives s = sqrt(max|X| / max|W|) per channel at α = 0.5, and the limits at α = 0 and 1', () => {
    const x = Float32Array.of(4, 8);
    const w = Float32Array.of(2, 1);
    smoothingScales(x, w, 0.5).forEach((s, j) => {
      expect(s).toBeCloseTo(S[j], 6);
    });
    expect(Array.from(smoothingScales(x, w, 1))).toEqual([4, 8]);
    expect(Array.from(smoothingScales(x, w, 0))).toEqual([0.5, 1]);
  });

  it('clamps a dead activation channel and an all-zero weight column as the reference does', () => {
    const s = smoothingScales(Float32Array.of(0, 9), Float32Array.of(1, 0), 0.5);
    expect(s[0]).toBeCloseTo(MIN_SCALE, 10);
    expect(s[1]).toBeCloseTo(Math.sqrt(9 / MIN_SCALE), 1);
  });

  it('folds s into the toy: gain / s, W[:, j] · s, same float output', () => {
    const model = toyModel([1, 1], W);
    const batch = tf.tensor2d(X);
    const before = outputOf(model, batch);
    const [report] = runRecipe(model, [smoothquant({ alpha: 0.5 })], { calibration: [batch] });
    model.gain.forEach((g, j) => {
      expect(g).toBeCloseTo(1 / S[j], 6);
    });
    model.fc.values.forEach((w, i) => {
      expect(w).toBeCloseTo(W[Math.floor(i / 2)][i % 2] * S[i % 2], 5);
    });
    expect(relativeDifference(outputOf(model, batch), before)).toBeLessThan(1e-6);
    expect(report.targets).toMatchObject([{ target: 'toy', alpha: 0.5, smoothed: 'norm' }]);
    expect(report.targets[0].maxScale).toBeCloseTo(S[1], 5);
    batch.dispose();
  });
});
