import { type QuantTarget, tf } from '@lowbit/core-tensor';

/** Floor of the weight maxima and of the scales, as the reference implementation clamps them. */
export const MIN_SCALE = 1e-5;

/**
 * SmoothQuant's per input channel scales s_j = max|X_j|^α / max|W_j|^(1−α) (Xiao et al., 2022,
 * eq. 4), with max|W_j| and s_j clamped to at least 1e-5 as mit-han-lab/smoothquant does.
 */
export function smoothingScales(
  activationAbsMax: Float32Array,
  weightAbsMax: Float32Array,
  alpha: number,
): Float32Array {
  return Float32Array.from(activationAbsMax, (a, j) =>
    Math.max(a ** alpha / Math.max(weightAbsMax[j], MIN_SCALE) ** (1 - alpha), MIN_SCALE),
  );
}

/** max|W[:, j]| of every input column j over the linear weights [out, in] of `targets`. */
export function weightColumnAbsMax(targets: readonly QuantTarget[]): Float32Array {
  return tf.tidy(() => {
    const maxima = targets.map((t) => tf.max(tf.abs(t.weight()), 0));
    return tf.max(tf.stack(maxima), 0).dataSync() as Float32Array;
  });
}
