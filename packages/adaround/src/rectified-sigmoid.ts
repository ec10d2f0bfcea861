import { tf } from '@lowbit/core-tensor';

/** The stretch of AdaRound's rectified sigmoid: sigmoid is mapped onto [γ, ζ] before clipping to [0, 1]. */
export const ZETA = 1.1;
export const GAMMA = -0.1;

/** h(V) = clip(sigmoid(V)·(ζ − γ) + γ, 0, 1): reaches exactly 0 and 1 for finite V, with zero gradient there. */
export function rectifiedSigmoid(v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.sigmoid(v), ZETA - GAMMA), GAMMA), 0, 1));
}

/**
 * The V whose h(V) equals `fraction` (values in [0, 1)), AdaRound's initialisation from the
 * fractional part of W/s: V = −log((ζ − γ)/(fraction − γ) − 1), i.e. logit((fraction − γ)/(ζ − γ)).
 */
export function inverseRectifiedSigmoid(fraction: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.log(tf.sub(tf.div(ZETA - GAMMA, tf.sub(fraction, GAMMA)), 1))));
}
