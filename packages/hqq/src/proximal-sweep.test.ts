import { chooseQParams, initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hqqConfig } from './config';
import { hqqQuantArgs } from './hqq-args';
import { meanAbsError, proximalStep } from './hqq-math';
import { take } from './test-helpers';
import { createZeroPointProblem, disposeZeroPointProblem } from './zero-point-problem';

const f = Math.fround;

/** round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The paper's proximal step, literally, on a [rows, columns] weight with one (s, z) per group of
 * `size` along `axis` (params in paramShape order): W_q = clamp(round(W/s + z)) (float32, as core's
 * quantize), Ŵ = (W_q − z)·s, W_e = sign(d)·relu(|d| − |d|^(p−1)/β) with d = W − Ŵ, and
 * z' = mean(W_q − (W − W_e)/s) over each group. Returns z' and the mean |W − Ŵ|.
 */
function referenceStep(
  w: Float32Array,
  columns: number,
  axis: 0 | 1,
  size: number,
  s: Float32Array,
  z: Float32Array,
  { maxCode, beta, p }: { maxCode: number; beta: number; p: number },
) {
  const groupsPerRow = Math.ceil(columns / size);
  const paramOf = (r: number, c: number) =>
    axis === 1 ? r * groupsPerRow + Math.floor(c / size) : Math.floor(r / size) * columns + c;
  const [sums, counts] = [new Float64Array(s.length), new Float64Array(s.length)];
  let error = 0;
  for (let i = 0; i < w.length; i++) {
    const k = paramOf(Math.floor(i / columns), i % columns);
    const q = Math.min(maxCode, Math.max(0, roundHalfEven(f(f(w[i] / s[k]) + z[k]))));
    const d = w[i] - (q - z[k]) * s[k];
    const shrunk = Math.sign(d) * Math.max(0, Math.abs(d) - Math.abs(d) ** (p - 1) / beta);
    sums[k] += q - (w[i] - shrunk) / s[k];
    counts[k] += 1;
    error += Math.abs(d);
  }
  return { zero: sums.map((sum, k) => sum / counts[k]), error: error / w.length };
}

// Hand-made: signs mixed, magnitudes from 0.05 to 3, a ragged last group of one along each axis.
const WEIGHT = [
  [0.9, -1.7, 0.35, 2.4, -0.6],
  [-2.2, 0.15, 1.1, -0.45, 3.0],
  [0.05, 1.9, -1.3, 0.7, -2.8],
];
// Added to the min/max zero points so that some codes clamp at 0 or 3.
const ZERO_SHIFTS = [0.4, -0.7, 0.15, -0.35, 0.9, 0.05, -0.2, 0.6, -0.5];

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

  it.each([
    { axis: 1, beta: 5, transpose: false },
    { axis: 1, beta: 1000, transpose: false },
    { axis: 0, beta: 5, transpose: true },
    { axis: 0, beta: 1000, transpose: true },
  ] as const)('a 2-bit step matches the paper literally (axis $axis, groups of 2, β $beta)', (c) => {
    const rows = c.transpose ? WEIGHT[0].map((_, j) => WEIGHT.map((row) => row[j])) : WEIGHT;
    const shape: [number, number] = [rows.length, rows[0].length];
    const values = Float32Array.from(rows.flat());
    const weight = tf.tensor2d(values, shape);
    const args = hqqQuantArgs(hqqConfig({ bits: 2, groupSize: 2, axis: c.axis }));
    const start = chooseQParams(weight, args);
    const problem = createZeroPointProblem(weight, start.scale, args);
    const zero = take(start.zeroPoint).map((z, k) => z + ZERO_SHIFTS[k]);
    const zeroTensor = tf.tidy(() => problem.grouped(tf.tensor(zero, start.scale.shape)));
    const scale = take(start.scale);
    const expected = referenceStep(values, shape[1], c.axis, 2, scale, zero, {
      maxCode: 3,
      beta: c.beta,
      p: 0.7,
    });
    const step = proximalStep(problem, zeroTensor, c.beta, 0.7);
    expect(step.error).toBeCloseTo(expected.error, 6);
    expect(meanAbsError(problem, zeroTensor)).toBe(step.error);
    const next = take(problem.ungrouped(step.zero));
    step.zero.dispose();
    expect(next.length).toBe(9);
    next.forEach((v, k) => {
      expect(v).toBeCloseTo(expected.zero[k], 5);
    });
    tf.dispose([weight, zeroTensor]);
    disposeZeroPointProblem(problem);
  });

  it('takes ties to the even code, as tf.round: W/s = [0, 2.5, 3] moves z from 0 to −1/6', () => {
    // s = 0.75/3 = 0.25 and z = 0 exactly; 2.5 rounds to 2, so r = W/s + z − W_q = [0, 0.5, 0] and
    // |r·s| = 0.125 is below the shrink threshold 10^(−1/1.3) = 0.17: z' = z − mean(r) = −1/6.
    const weight = tf.tensor2d([[0, 0.625, 0.75]]);
    const args = hqqQuantArgs(hqqConfig({ bits: 2, groupSize: 3 }));
    const start = chooseQParams(weight, args);
    const problem = createZeroPointProblem(weight, start.scale, args);
    const zero = problem.grouped(start.zeroPoint);
    const step = proximalStep(problem, zero, 10, 0.7);
    expect(step.error).toBeCloseTo(0.125 / 3, 7);
    expect(take(step.zero)[0]).toBeCloseTo(-1 / 6, 7);
    tf.dispose([weight, start.scale, start.zeroPoint, zero]);
    disposeZeroPointProblem(problem);
  });
});
