// (L·Lᵀ)⁻¹ = Xᵀ·X with X = L⁻¹, like torch.cholesky_inverse / LAPACK potri.
import { tf } from '../tf';
import { blocksOf, joinSymmetric, matMul, readSquare, splitSize, squareTensor } from './blocks';
import { type CholeskyOptions, choleskyBlocked } from './cholesky';
import { lowerGram } from './small-matrix';
import { invertLowerBlocked } from './triangular-inverse';
import type { TriangularOptions } from './triangular-solve';
import { assertNonsingularTriangular, assertSquareMatrix, resolveBlockSize } from './validate-matrix';

/** (L·Lᵀ)⁻¹ = L⁻ᵀ·L⁻¹ for a lower-triangular Cholesky factor L (its upper triangle is ignored). */
export function choleskyInverse(l: tf.Tensor2D, opts: TriangularOptions = {}): tf.Tensor2D {
  const name = opts.name ?? 'L';
  assertSquareMatrix(l, name);
  assertNonsingularTriangular(l, name);
  return choleskyInverseBlocked(l, resolveBlockSize(opts.blockSize));
}

/** A⁻¹ for a symmetric positive-definite A, via its Cholesky factor. Throws NOT_PD like cholesky(). */
export function inverseSpd(a: tf.Tensor2D, opts: CholeskyOptions = {}): tf.Tensor2D {
  const name = opts.name ?? 'matrix';
  assertSquareMatrix(a, name);
  const blockSize = resolveBlockSize(opts.blockSize);
  return tf.tidy(() => choleskyInverseBlocked(choleskyBlocked(a, name, blockSize), blockSize));
}

export function choleskyInverseBlocked(l: tf.Tensor2D, blockSize: number): tf.Tensor2D {
  return tf.tidy(() => gramOfLower(invertLowerBlocked(l, blockSize), blockSize));
}

/** Xᵀ·X for lower-triangular X: [[X11ᵀX11 + X21ᵀX21, X21ᵀX22], [X22ᵀX21, X22ᵀX22]]. */
function gramOfLower(x: tf.Tensor2D, blockSize: number): tf.Tensor2D {
  const n = x.shape[0];
  if (n <= blockSize) return squareTensor(lowerGram(readSquare(x), n), n);
  const n1 = splitSize(n, blockSize);
  const block = blocksOf(x, n1);
  return tf.tidy(() => {
    const x21 = block(1, 0);
    const x21Transposed = tf.transpose(x21);
    const x22 = block(1, 1);
    const g11 = tf.add<tf.Tensor2D>(gramOfLower(block(0, 0), blockSize), matMul(x21Transposed, x21));
    return joinSymmetric(g11, matMul(x21Transposed, x22), gramOfLower(x22, blockSize));
  });
}
