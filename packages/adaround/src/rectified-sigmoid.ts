import { tf } from '@lowbit/core-tensor';

/** The stretch of AdaRound's rectified sigmoid: sigmoid is mapped onto [γ, ζ] before clipping to [0, 1]. */
export const ZETA = 1.1;
export const GAMMA = -0.1;

/** h(V) = clip(sigmoid(V)·(ζ − γ) + γ, 0, 1): reaches exactly 0 and 1 for finite V, with zero gradient there. */
export function rectifiedSigmoid(v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => stretchAndClip(tf.sigmoid(v)));
}

/**
 * The V whose h(V) equals `fraction` (values in [0, 1)), AdaRound's initialisation from the
 * fractional part of W/s: V = −log((ζ − γ)/(fraction − γ) − 1), i.e. logit((fraction − γ)/(ζ − γ)).
 */
export function inverseRectifiedSigmoid(fraction: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.log(tf.sub(tf.div(ZETA - GAMMA, tf.sub(fraction, GAMMA)), 1))));
}

/** σ(1 − σ) where h = 0 or 1 begins: at σ = −γ/(ζ − γ) (and 1 minus that). */
const EDGE = (-GAMMA / (ZETA - GAMMA)) * (1 + GAMMA / (ZETA - GAMMA));

/**
 * dh/dV from σ = sigmoid(V): (ζ − γ)·σ(1 − σ) where 0 < h < 1, and 0 where h is clipped to 0 or 1
 * (that is, where σ(1 − σ) falls below its value at the clip points).
 */
export function rectifiedSigmoidSlope(sigmoid: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const spread = tf.mul(sigmoid, tf.sub(1, sigmoid));
    return tf.mul(tf.mul(spread, ZETA - GAMMA), tf.step(tf.sub(spread, EDGE)));
  });
}

/** h from σ = sigmoid(V): clip(σ·(ζ − γ) + γ, 0, 1). */
export function stretchAndClip(sigmoid: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(sigmoid, ZETA - GAMMA), GAMMA), 0, 1));
}
