import { tf } from '@lowbit/core-tensor';

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight. */
export function rmsNorm(x: tf.Tensor, weight: Float32Array, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), tf.tensor1d(weight));
  });
}

/**
 * x [..., in] times wᵀ for w [out, in] → [..., out], as (w · xᵀ)ᵀ: wasm's matMul is ~10× slower
 * with a transpose flag than transposing the (smaller) activations explicitly.
 */
export function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [out, inputs] = w.shape as number[];
    const columns = tf.transpose(tf.reshape(x, [-1, inputs]));
    return tf.reshape(tf.transpose(tf.matMul(w, columns)), [...x.shape.slice(0, -1), out]);
  });
}

/** SiLU: x · sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
