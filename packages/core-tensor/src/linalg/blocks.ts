// Splitting tensors into 2×2 blocks and joining them back; moving small blocks to and from JS.
import { denseMatMul } from '../engine/tensor-ops';
import { tf } from '../tf';

/**
 * a·b on the dense engine. Never pass tf.matMul's transpose flags: on wasm they made a 2048²
 * product 9-35× slower than an explicit tf.transpose followed by a plain product.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return denseMatMul(a, b) as tf.Tensor2D;
}

/** Size of the leading block: about half of n, rounded to a multiple of blockSize. */
export function splitSize(n: number, blockSize: number): number {
  return Math.max(blockSize, Math.round(n / 2 / blockSize) * blockSize);
}

export type BlockOf = (row: 0 | 1, col: 0 | 1) => tf.Tensor2D;

/**
 * Splits `a` after n1 rows and n1 columns; the returned function copies out block (row, col).
 * `a` is read into JS once because on wasm every tf.slice first copies its whole input to JS:
 * three slices of a 2048² matrix took 24 ms, one read and three copies 4 ms.
 */
export function blocksOf(a: tf.Tensor2D, n1: number): BlockOf {
  const values = a.dataSync();
  const [rows, cols] = a.shape;
  return (row, col) => {
    const [top, left] = [row * n1, col * n1];
    const [height, width] = [row ? rows - n1 : n1, col ? cols - n1 : n1];
    const block = new Float32Array(height * width);
    for (let r = 0; r < height; r++) {
      const start = (top + r) * cols + left;
      block.set(values.subarray(start, start + width), r * width);
    }
    return tf.tensor2d(block, [height, width]);
  };
}

/** The first n1 rows of `b` and the rest, read into JS once (see blocksOf). */
export function splitRows(b: tf.Tensor2D, n1: number): [tf.Tensor2D, tf.Tensor2D] {
  const values = b.dataSync();
  const [rows, cols] = b.shape;
  return [
    tf.tensor2d(values.slice(0, n1 * cols), [n1, cols]),
    tf.tensor2d(values.slice(n1 * cols), [rows - n1, cols]),
  ];
}

export function joinRows(top: tf.Tensor2D, bottom: tf.Tensor2D): tf.Tensor2D {
  return tf.concat([top, bottom], 0);
}

/** [[t11, 0], [t21, t22]]. */
export function joinLower(t11: tf.Tensor2D, t21: tf.Tensor2D, t22: tf.Tensor2D): tf.Tensor2D {
  const top = tf.pad(t11, [
    [0, 0],
    [0, t22.shape[1]],
  ]);
  return tf.concat([top, tf.concat([t21, t22], 1)], 0);
}

/** [[t11, t12], [t12ᵀ, t22]]. */
export function joinSymmetric(t11: tf.Tensor2D, t12: tf.Tensor2D, t22: tf.Tensor2D): tf.Tensor2D {
  const bottom = tf.concat([tf.transpose(t12), t22], 1);
  return tf.concat([tf.concat([t11, t12], 1), bottom], 0);
}

export function readSquare(t: tf.Tensor2D): Float64Array {
  return Float64Array.from(t.dataSync());
}

export function squareTensor(values: Float64Array, n: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(values), [n, n]);
}

export function diagonalOf(a: tf.Tensor2D): tf.Tensor1D {
  const n = a.shape[0];
  return tf.tidy(() => tf.gather(tf.reshape(a, [-1]), tf.range(0, n * n, n + 1, 'int32')));
}
