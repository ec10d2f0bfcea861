// HQQ's proximal solver (Badri & Shaji, 2023; mobiusml/hqq `optimize_weights_proximal`): with the
// scale s fixed, minimise Σ|W − Ŵ(z)|^p over the real zero point z of every group by a
// half-quadratic split W − Ŵ = W_e, alternating W_e = shrink_lp(W − Ŵ, β) and
// z = mean_group(W_q − (W − W_e)/s), with β growing by κ each step. The reference writes 1/s as its
// scale, so its (W − W_e)·scale is (W − W_e)/s here; its zero point is z unchanged. The steps run
// on plain arrays (proximal-sweep.ts); these functions take and return tensors.
import { tf } from '@lowbit/core-tensor';
import type { HqqConfig } from './config';
import type { GroupRows } from './group-rows';
import { proximalSweep } from './proximal-sweep';
import type { ZeroPointProblem } from './zero-point-problem';

export type SolverOptions = Pick<HqqConfig, 'lpNorm' | 'beta' | 'kappa' | 'iterations' | 'earlyStop'>;

export interface ZeroPointSolution {
  /** The zero point of least mean |W − Ŵ| seen, in the grouped layout [outer, groups, 1, inner]. */
  zero: tf.Tensor4D;
  /** Mean |W − Ŵ| at the starting zero point. */
  errorBefore: number;
  /** Mean |W − Ŵ| at the returned zero point (≤ errorBefore). */
  errorAfter: number;
  /** Solver steps taken. */
  iterations: number;
}

/**
 * HQQ's shrink_lp_op, the generalised soft-thresholding of the lp norm (p ≤ 1):
 * sign(x)·relu(|x| − |x|^(p−1)/β). Evaluated as x·relu(1 − |x|^(p−2)/β), the same value with |x|
 * factored out of the relu (0 at x = 0, where the threshold is infinite), which avoids tf.sign.
 */
export function shrinkLp(x: tf.Tensor, beta: number, p: number): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.relu(tf.sub(1, tf.mul(1 / beta, tf.pow(tf.abs(x), p - 2))))));
}

/** Codes W_q = clamp(round(W/s + z)) and reconstruction Ŵ = (W_q − z)·s at zero point z. */
export function roundTrip(
  problem: ZeroPointProblem,
  zero: tf.Tensor,
): { codes: tf.Tensor; reconstruction: tf.Tensor } {
  return tf.tidy(() => {
    const scaled = tf.div(problem.weight, problem.scale);
    const codes = tf.clipByValue(tf.round(tf.add(scaled, zero)), problem.codeMin, problem.codeMax);
    return { codes, reconstruction: tf.mul(tf.sub(codes, zero), problem.scale) };
  });
}

/** Mean |W − Ŵ| at zero point z: the error HQQ tracks for early stopping. */
export function meanAbsError(problem: ZeroPointProblem, zero: tf.Tensor): number {
  return proximalSweep(problem.rows, problem.toRows(zero)) / problem.elements;
}

/**
 * One proximal step from zero point z: W_e = shrink_lp(W − Ŵ(z), β), then the next zero point
 * mean_group(W_q − (W − W_e)/s). Also returns the mean |W − Ŵ(z)| of the step's start.
 */
export function proximalStep(
  problem: ZeroPointProblem,
  zero: tf.Tensor,
  beta: number,
  p: number,
): { zero: tf.Tensor4D; error: number } {
  const next = new Float32Array(zero.size);
  const error = proximalSweep(problem.rows, problem.toRows(zero), { beta, p, next }) / problem.elements;
  return { zero: problem.fromRows(next), error };
}

type Solution = Omit<ZeroPointSolution, 'zero'> & { zero: Float32Array };

/** optimizeZeroPoint on the solver's arrays: `start` in row order, left untouched. */
function optimizeRows(
  rows: GroupRows,
  elements: number,
  start: Float32Array,
  options: SolverOptions,
): Solution {
  const best = new Float32Array(start.length);
  let [current, next] = [Float32Array.from(start), new Float32Array(start.length)];
  let [beta, bestError, errorBefore] = [options.beta, Number.POSITIVE_INFINITY, Number.NaN];
  for (let step = 0; ; step++) {
    const last = step === options.iterations;
    const update = last ? undefined : { beta, p: options.lpNorm, next };
    const error = proximalSweep(rows, current, update) / elements;
    if (step === 0) errorBefore = error;
    const improved = error < bestError;
    if (improved) {
      best.set(current);
      bestError = error;
    }
    if (last || (!improved && options.earlyStop)) {
      return { zero: best, errorBefore, errorAfter: bestError, iterations: step };
    }
    [current, next] = [next, current];
    beta *= options.kappa;
  }
}

/**
 * Runs up to `iterations` proximal steps from `start` (not disposed), evaluating every iterate
 * including the last, and returns the best one. As the reference, `earlyStop` ends the run at the
 * first iterate whose mean |W − Ŵ| is not below the best so far; unlike the reference, that
 * iterate is discarded rather than returned, so the error never exceeds the starting one.
 */
export function optimizeZeroPoint(
  problem: ZeroPointProblem,
  start: tf.Tensor4D,
  options: SolverOptions,
): ZeroPointSolution {
  const solution = optimizeRows(problem.rows, problem.elements, problem.toRows(start), options);
  return { ...solution, zero: problem.fromRows(solution.zero) };
}
