import { tf } from '@lowbit/core-tensor';
import type { BetaDecay } from './config';

/** The annealing of AdaRound's regulariser exponent. */
export interface BetaScheduleOptions {
  /** β when the regulariser switches on, and at the last step (default [20, 2]). */
  betaRange?: readonly [number, number];
  /** Fraction of the steps with the regulariser off (default 0.2). */
  warmStart?: number;
  /** 'cosine' (AIMET, default) or 'linear' (BRECQ). */
  betaDecay?: BetaDecay;
}

/** β at one point of the optimisation, and whether the regulariser counts yet. */
export interface BetaPoint {
  beta: number;
  regularize: boolean;
}

/**
 * β at `progress` = step / steps ∈ [0, 1]. During the warm start (progress < warmStart) the
 * regulariser is off and β stays at its start; afterwards, with r = (progress − warmStart)/(1 − warmStart),
 * cosine: β = end + ½(start − end)(1 + cos πr) (AIMET); linear: β = end + (start − end)(1 − r).
 */
export function betaSchedule(progress: number, options: BetaScheduleOptions = {}): BetaPoint {
  const { betaRange = [20, 2], warmStart = 0.2, betaDecay = 'cosine' } = options;
  const [start, end] = betaRange;
  if (progress < warmStart) return { beta: start, regularize: false };
  const r = Math.min(1, (progress - warmStart) / (1 - warmStart));
  const fall = betaDecay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * r)) : 1 - r;
  return { beta: end + (start - end) * fall, regularize: true };
}

/**
 * AdaRound's rounding regulariser Σ(1 − |2h − 1|^β) over every weight (a scalar tensor): zero once
 * every h is 0 or 1, largest where h = ½. Lower β pushes harder towards a decision.
 */
export function roundingRegularizer(h: tf.Tensor, beta: number): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.sub(1, tf.pow(tf.abs(tf.sub(tf.mul(h, 2), 1)), beta))) as tf.Scalar);
}

/** |u| below this counts as this in the gradient's |u|^(β−2) (keeps β ≤ 2 finite at h = ½). */
const TINY = 1e-30;

/**
 * λ·d/dh Σ(1 − |2h − 1|^β) = −2λβ·u·|u|^(β−2), u = 2h − 1, elementwise, with the power taken as
 * exp((β − 2)·log|u|) (tfjs's pow is several times slower on wasm).
 */
export function regularizerGradient(h: tf.Tensor, beta: number, lambda: number): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.sub(tf.mul(h, 2), 1);
    const power = tf.exp(tf.mul(tf.log(tf.maximum(tf.abs(u), TINY)), beta - 2));
    return tf.mul(tf.mul(u, power), -2 * lambda * beta);
  });
}
