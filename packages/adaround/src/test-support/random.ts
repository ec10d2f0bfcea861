import { mulberry32, tf } from '@lowbit/core-tensor';

/** n standard normal numbers (Box–Muller on core's mulberry32). */
export function randn(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(random(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

/** Rows [n, dim] with strongly correlated features: Z·(I + 0.8·M), Z and M standard normal. */
export function correlatedRows(n: number, dim: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const mixing = tf.add(tf.eye(dim), tf.mul(tf.tensor2d(randn(dim * dim, seed + 1), [dim, dim]), 0.8));
    return tf.matMul(tf.tensor2d(randn(n * dim, seed), [n, dim]), mixing);
  });
}

/** Smooth images NCHW [n, c, size, size]: noise blurred by a 3×3 box filter, so neighbouring pixels correlate. */
export function smoothImages(n: number, c: number, size: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const noise = tf.tensor4d(randn(n * c * (size + 2) * (size + 2), seed), [n, size + 2, size + 2, c]);
    const blurred = tf.avgPool(noise, 3, 1, 'valid');
    return tf.add(tf.transpose(blurred, [0, 3, 1, 2]), 0.5) as tf.Tensor4D;
  });
}
