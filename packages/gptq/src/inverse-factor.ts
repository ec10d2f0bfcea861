import { tf, upperCholeskyOfInverse, withDamping } from '@lowbit/core-tensor';

export interface InverseFactor {
  /** Upper-triangular U with Uᵀ·U = (H + damp·I)⁻¹, row-major [n, n]. */
  hinv: Float32Array;
  /** The absolute dampening that made H + damp·I positive definite. */
  damp: number;
  /** damp / mean(diag(H)). */
  dampRatio: number;
  /** Factorizations tried (1 when `percdamp` worked). */
  tries: number;
}

/**
 * GPTQ's Hinv: H += damp·I with damp = percdamp·mean(diag(H)), then the upper Cholesky factor of
 * H⁻¹. Core's withDamping raises damp ×10 while a factorization fails and reports the damp that worked.
 */
export function dampedInverseFactor(
  h: Float32Array,
  n: number,
  percdamp: number,
  name: string,
): InverseFactor {
  const hessian = tf.tensor2d(h, [n, n]);
  try {
    const matrixName = `${name}.H`;
    const { value, ...damping } = withDamping(
      hessian,
      (damped) => upperCholeskyOfInverse(damped, { name: matrixName }),
      { name: matrixName, dampRatio: percdamp },
    );
    const hinv = value.dataSync() as Float32Array;
    value.dispose();
    return { hinv, ...damping };
  } finally {
    hessian.dispose();
  }
}
