import { LowbitError } from '../errors';
import { tf } from '../tf';
import { assertFinite } from '../validate';
import { diagonalOf } from './blocks';

const DEFAULT_BLOCK_SIZE = 64; // 5-15% faster than 128 on wasm at n = 2048

/** Throws unless `a` is a finite, float32, square 2-D tensor. */
export function assertSquareMatrix(a: tf.Tensor, name: string): asserts a is tf.Tensor2D {
  if (!(a instanceof tf.Tensor)) {
    throw new LowbitError('BAD_ARGS', `"${name}" must be a tf.Tensor2D.`);
  }
  if (a.rank !== 2 || a.shape[0] !== a.shape[1]) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Matrix "${name}" has shape [${a.shape}]; pass a square 2-D tensor [n, n].`,
      { name, shape: a.shape },
    );
  }
  if (a.dtype !== 'float32') {
    throw new LowbitError('BAD_TENSOR', `Matrix "${name}" is ${a.dtype}; cast it to float32.`, { name });
  }
  assertFinite(a, name);
}

/** Throws unless `b` is a finite float32 2-D tensor with `rows` rows. */
export function assertRightHandSide(b: tf.Tensor, rows: number, name: string): asserts b is tf.Tensor2D {
  if (!(b instanceof tf.Tensor) || b.rank !== 2 || b.shape[0] !== rows || b.dtype !== 'float32') {
    const got = b instanceof tf.Tensor ? `${b.dtype} [${b.shape}]` : typeof b;
    throw new LowbitError('BAD_TENSOR', `"${name}" is ${got}; pass a float32 tensor [${rows}, k].`, { name });
  }
  assertFinite(b, name);
}

/** Throws NOT_PD when a triangular matrix has a zero on its diagonal. */
export function assertNonsingularTriangular(t: tf.Tensor2D, name: string): void {
  const diagonal = tf.tidy(() => diagonalOf(t).dataSync());
  const index = diagonal.indexOf(0);
  if (index >= 0) {
    throw new LowbitError(
      'NOT_PD',
      `Triangular matrix "${name}" is singular: diagonal entry ${index} is 0. Factor a positive-definite matrix (add damping).`,
      { name, pivot: index },
    );
  }
}

export function resolveBlockSize(blockSize: number | undefined): number {
  const size = blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new LowbitError('BAD_ARGS', `blockSize is ${blockSize}; use a positive integer such as 64 or 128.`);
  }
  return size;
}
