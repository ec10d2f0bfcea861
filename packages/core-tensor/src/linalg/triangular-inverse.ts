// Recursive blocked inverse of a lower-triangular matrix:
// [[L11, 0], [L21, L22]]⁻¹ = [[X11, 0], [−X22·L21·X11, X22]] with X11 = L11⁻¹, X22 = L22⁻¹.
import { tf } from '../tf';
import { blocksOf, joinLower, matMul, readSquare, splitSize, squareTensor } from './blocks';
import { invertLower } from './small-matrix';
import type { TriangularOptions } from './triangular-solve';
import { assertNonsingularTriangular, assertSquareMatrix, resolveBlockSize } from './validate-matrix';

/** L⁻¹ for a lower-triangular L [n, n] with a nonzero diagonal (the upper triangle is ignored). */
export function triangularInverseLower(l: tf.Tensor2D, opts: TriangularOptions = {}): tf.Tensor2D {
  const name = opts.name ?? 'L';
  assertSquareMatrix(l, name);
  assertNonsingularTriangular(l, name);
  return invertLowerBlocked(l, resolveBlockSize(opts.blockSize));
}

export function invertLowerBlocked(l: tf.Tensor2D, blockSize: number): tf.Tensor2D {
  const n = l.shape[0];
  if (n <= blockSize) return squareTensor(invertLower(readSquare(l), n), n);
  const n1 = splitSize(n, blockSize);
  const block = blocksOf(l, n1);
  return tf.tidy(() => {
    const x11 = invertLowerBlocked(block(0, 0), blockSize);
    const x22 = invertLowerBlocked(block(1, 1), blockSize);
    const x21 = tf.neg(matMul(x22, matMul(block(1, 0), x11)));
    return joinLower(x11, x21, x22);
  });
}
