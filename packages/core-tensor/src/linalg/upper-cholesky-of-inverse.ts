import { tf } from '../tf';
import { type CholeskyOptions, choleskyBlocked } from './cholesky';
import { choleskyInverseBlocked } from './cholesky-inverse';
import { assertSquareMatrix, resolveBlockSize } from './validate-matrix';

/**
 * Upper-triangular U with A⁻¹ = Uᵀ·U, the factor GPTQ quantizes with. Computed the reference way,
 * as torch does in GPTQ: `H = cholesky_inverse(cholesky(H)); H = cholesky(H, upper=True)`,
 * i.e. L = cholesky(A), A⁻¹ = choleskyInverse(L), U = cholesky(A⁻¹)ᵀ.
 * Throws NOT_PD naming `opts.name` (or `<name>⁻¹` when rounding breaks the second factorization).
 */
export function upperCholeskyOfInverse(a: tf.Tensor2D, opts: CholeskyOptions = {}): tf.Tensor2D {
  const name = opts.name ?? 'matrix';
  assertSquareMatrix(a, name);
  const blockSize = resolveBlockSize(opts.blockSize);
  return tf.tidy(() => {
    const inverse = choleskyInverseBlocked(choleskyBlocked(a, name, blockSize), blockSize);
    return tf.transpose(choleskyBlocked(inverse, `${name}⁻¹`, blockSize));
  });
}
