import { type DenseWeight, denseLinear, tf } from '@lowbit/core-tensor';

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight. */
export function rmsNorm(x: tf.Tensor, weight: Float32Array, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), tf.tensor1d(weight));
  });
}

/** x [..., in] times wᵀ for w [out, in] → [..., out], on the dense engine. */
export function linear(x: tf.Tensor, w: DenseWeight | tf.Tensor): tf.Tensor {
  return denseLinear(x, w);
}

/** SiLU: x · sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
