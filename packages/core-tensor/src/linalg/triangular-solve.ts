// Blocked triangular solves T·X = B: diagonal blocks are inverted in float64, the rest is tf.matMul.
import { tf } from '../tf';
import { blocksOf, joinRows, matMul, readSquare, splitRows, splitSize, squareTensor } from './blocks';
import { invertLower, transposeSquare } from './small-matrix';
import {
  assertNonsingularTriangular,
  assertRightHandSide,
  assertSquareMatrix,
  resolveBlockSize,
} from './validate-matrix';

export interface TriangularOptions {
  /** Names the matrix in error messages. */
  name?: string;
  /** Size of the diagonal blocks handled in float64 JS (default 64). */
  blockSize?: number;
}

/** X = L⁻¹·B for lower-triangular L [n, n] and B [n, k]. */
export function solveLowerTriangular(
  l: tf.Tensor2D,
  b: tf.Tensor2D,
  opts: TriangularOptions = {},
): tf.Tensor2D {
  const name = opts.name ?? 'L';
  validateSystem(l, b, name);
  return solveLowerBlocked(l, b, resolveBlockSize(opts.blockSize));
}

/** X = U⁻¹·B for upper-triangular U [n, n] and B [n, k]. */
export function solveUpperTriangular(
  u: tf.Tensor2D,
  b: tf.Tensor2D,
  opts: TriangularOptions = {},
): tf.Tensor2D {
  const name = opts.name ?? 'U';
  validateSystem(u, b, name);
  return solveUpperBlocked(u, b, resolveBlockSize(opts.blockSize));
}

function validateSystem(t: tf.Tensor2D, b: tf.Tensor2D, name: string): void {
  assertSquareMatrix(t, name);
  assertRightHandSide(b, t.shape[0], `right-hand side of ${name}`);
  assertNonsingularTriangular(t, name);
}

export function solveLowerBlocked(l: tf.Tensor2D, b: tf.Tensor2D, blockSize: number): tf.Tensor2D {
  const n = l.shape[0];
  if (n <= blockSize) return multiplyByInverse(l, b, 'lower');
  const n1 = splitSize(n, blockSize);
  const block = blocksOf(l, n1);
  return tf.tidy(() => {
    const [b1, b2] = splitRows(b, n1);
    const x1 = solveLowerBlocked(block(0, 0), b1, blockSize);
    const rest = tf.sub<tf.Tensor2D>(b2, matMul(block(1, 0), x1));
    return joinRows(x1, solveLowerBlocked(block(1, 1), rest, blockSize));
  });
}

function solveUpperBlocked(u: tf.Tensor2D, b: tf.Tensor2D, blockSize: number): tf.Tensor2D {
  const n = u.shape[0];
  if (n <= blockSize) return multiplyByInverse(u, b, 'upper');
  const n1 = splitSize(n, blockSize);
  const block = blocksOf(u, n1);
  return tf.tidy(() => {
    const [b1, b2] = splitRows(b, n1);
    const x2 = solveUpperBlocked(block(1, 1), b2, blockSize);
    const rest = tf.sub<tf.Tensor2D>(b1, matMul(block(0, 1), x2));
    return joinRows(solveUpperBlocked(block(0, 0), rest, blockSize), x2);
  });
}

/** T⁻¹·B for a small triangular T, inverted in float64. */
function multiplyByInverse(t: tf.Tensor2D, b: tf.Tensor2D, triangle: 'lower' | 'upper'): tf.Tensor2D {
  const n = t.shape[0];
  const values = readSquare(t);
  const inverse =
    triangle === 'lower'
      ? invertLower(values, n)
      : transposeSquare(invertLower(transposeSquare(values, n), n), n);
  return tf.tidy(() => matMul(squareTensor(inverse, n), b));
}
