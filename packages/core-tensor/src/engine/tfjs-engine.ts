import { tf } from '../tf';
import {
  type AttentionDims,
  checkAttention,
  checkGram,
  checkMatMul,
  type DenseEngine,
  type MatMulDims,
} from './dense-engine';

/** softmax(scale·q·kᵀ + mask)·v on tfjs tensors q [..., m, d], k and v [..., n, d], mask [m, n]. */
export function tfjsAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask: tf.Tensor,
  scale: number,
): tf.Tensor {
  return tf.tidy(() => {
    // Explicit transposes: tfjs-wasm's matMul is 10× slower with a transpose flag.
    const lastTwoSwapped = [...Array(k.rank - 2).keys(), k.rank - 1, k.rank - 2];
    const keys = tf.transpose(k, lastTwoSwapped);
    const scores = tf.mul(tf.matMul(q, keys), scale);
    return tf.matMul(tf.softmax(tf.add(scores, mask)), v);
  });
}

/** Reads a tensor computed in `run` out of tfjs and frees it. */
function read(run: () => tf.Tensor): Float32Array {
  const result = tf.tidy(run);
  const values = result.dataSync() as Float32Array;
  result.dispose();
  return values;
}

/**
 * The dense engine on tfjs's current backend: the reference the other engines are tested against,
 * and the fast path where tfjs runs native TensorFlow (tfjs-node, tfjs-node-gpu).
 */
export function tfjsEngine(threads: number): DenseEngine {
  return {
    name: 'tfjs',
    threads,
    matMul(a: Float32Array, b: Float32Array, dims: MatMulDims): Float32Array {
      checkMatMul(a, b, dims);
      const { batch = 1, m, k, n, transposeB = false } = dims;
      return read(() =>
        tf.matMul(
          tf.tensor3d(a, [batch, m, k]),
          transposeB ? tf.transpose(tf.tensor3d(b, [batch, n, k]), [0, 2, 1]) : tf.tensor3d(b, [batch, k, n]),
        ),
      );
    },
    gram(x: Float32Array, rows: number, columns: number): Float32Array {
      checkGram(x, rows, columns);
      return read(() => {
        const matrix = tf.tensor2d(x, [rows, columns]);
        return tf.matMul(tf.transpose(matrix), matrix);
      });
    },
    attention(q, k, v, mask, dims: AttentionDims): Float32Array {
      checkAttention(q, k, v, mask, dims);
      const { batch, queries, keys, depth, scale } = dims;
      return read(() =>
        tfjsAttention(
          tf.tensor3d(q, [batch, queries, depth]),
          tf.tensor3d(k, [batch, keys, depth]),
          tf.tensor3d(v, [batch, keys, depth]),
          tf.tensor2d(mask, [queries, keys]),
          scale,
        ),
      );
    },
  };
}
