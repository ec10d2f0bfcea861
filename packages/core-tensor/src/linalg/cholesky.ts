// Recursive blocked Cholesky: A = L·Lᵀ. Diagonal blocks of at most blockSize are factored in
// float64 JS; the panel solve and the Schur-complement update are tf.matMul.
import { LowbitError } from '../errors';
import { tf } from '../tf';
import { blocksOf, joinLower, matMul, readSquare, splitSize, squareTensor } from './blocks';
import { choleskyInPlace, type FailedPivot } from './small-matrix';
import { solveLowerBlocked } from './triangular-solve';
import { assertSquareMatrix, resolveBlockSize } from './validate-matrix';

export interface CholeskyOptions {
  /** Names the matrix in error messages (default "matrix"). */
  name?: string;
  /** Size of the diagonal blocks factored in float64 JS (default 64). */
  blockSize?: number;
}

interface FactorContext {
  name: string;
  blockSize: number;
  size: number;
}

/**
 * Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite float32 A [n, n].
 * Symmetry is assumed, not checked: the algorithm reads the lower triangle of diagonal blocks
 * and the upper off-diagonal blocks. Throws NOT_PD naming the matrix and the failing pivot.
 */
export function cholesky(a: tf.Tensor2D, opts: CholeskyOptions = {}): tf.Tensor2D {
  const name = opts.name ?? 'matrix';
  assertSquareMatrix(a, name);
  return choleskyBlocked(a, name, resolveBlockSize(opts.blockSize));
}

/** cholesky() without validation, for callers that already validated `a`. */
export function choleskyBlocked(a: tf.Tensor2D, name: string, blockSize: number): tf.Tensor2D {
  return factor(a, 0, { name, blockSize, size: a.shape[0] });
}

function factor(a: tf.Tensor2D, offset: number, context: FactorContext): tf.Tensor2D {
  const n = a.shape[0];
  if (n <= context.blockSize) return factorSmall(a, offset, context);
  const n1 = splitSize(n, context.blockSize);
  const block = blocksOf(a, n1);
  return tf.tidy(() => {
    const l11 = factor(block(0, 0), offset, context);
    const l21Transposed = solveLowerBlocked(l11, block(0, 1), context.blockSize);
    const l21 = tf.transpose(l21Transposed);
    const schurComplement = tf.sub<tf.Tensor2D>(block(1, 1), matMul(l21, l21Transposed));
    const l22 = factor(schurComplement, offset + n1, context);
    return joinLower(l11, l21, l22);
  });
}

function factorSmall(a: tf.Tensor2D, offset: number, context: FactorContext): tf.Tensor2D {
  const n = a.shape[0];
  const values = readSquare(a);
  const failure = choleskyInPlace(values, n);
  if (failure) throw notPositiveDefinite(context, { index: offset + failure.index, value: failure.value });
  return squareTensor(values, n);
}

function notPositiveDefinite(context: FactorContext, pivot: FailedPivot): LowbitError {
  const { name, size } = context;
  return new LowbitError(
    'NOT_PD',
    `Matrix "${name}" (${size}×${size}) is not positive definite: pivot ${pivot.index} is ` +
      `${pivot.value.toPrecision(3)}. Add damping (percdamp, see choleskyWithDamping) or more calibration data.`,
    { name, pivot: pivot.index, value: pivot.value },
  );
}
