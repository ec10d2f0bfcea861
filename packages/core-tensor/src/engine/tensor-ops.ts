// tfjs-tensor entry points to the dense engine for model code. With the tfjs engine they are the
// plain tfjs ops (no copies, gradients flow); with another engine the operands are read out of
// tfjs, multiplied there, and the product comes back as a new tensor (no gradient).
import { tf } from '../tf';
import { denseEngine } from './select-engine';
import { tfjsAttention } from './tfjs-engine';

/** A weight [out, in] held outside tfjs, as ArrayTarget keeps it. */
export interface DenseWeight {
  values: Float32Array;
  shape: readonly [number, number];
}

function weightTensor(weight: DenseWeight | tf.Tensor): tf.Tensor2D {
  return weight instanceof tf.Tensor
    ? (weight as tf.Tensor2D)
    : tf.tensor2d(weight.values, weight.shape as [number, number]);
}

function weightValues(weight: DenseWeight | tf.Tensor): Float32Array {
  return weight instanceof tf.Tensor ? (weight.dataSync() as Float32Array) : weight.values;
}

/**
 * A linear layer: x [..., in] times wᵀ for w [out, in] → [..., out]. On tfjs it is computed as
 * (w · xᵀ)ᵀ: wasm's matMul is ~10× slower with a transpose flag than transposing the activations.
 */
export function denseLinear(x: tf.Tensor, weight: DenseWeight | tf.Tensor): tf.Tensor {
  const [out, inputs] = weight.shape as number[];
  const engine = denseEngine();
  if (engine.name === 'tfjs') {
    return tf.tidy(() => {
      const columns = tf.transpose(tf.reshape(x, [-1, inputs]));
      return tf.reshape(tf.transpose(tf.matMul(weightTensor(weight), columns)), [
        ...x.shape.slice(0, -1),
        out,
      ]);
    });
  }
  const rows = x.size / inputs;
  const product = engine.matMul(x.dataSync() as Float32Array, weightValues(weight), {
    m: rows,
    k: inputs,
    n: out,
    transposeB: true,
  });
  return tf.tensor(product, [...x.shape.slice(0, -1), out]);
}

/**
 * a [..., m, k] · b [..., k, n] (or bᵀ for b [..., n, k]) with equal leading axes, as
 * tf.matMul(a, b, false, transposeB).
 */
export function denseMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  const engine = denseEngine();
  if (engine.name === 'tfjs') return tf.matMul(a, b, false, transposeB);
  const [m, k] = a.shape.slice(-2);
  const n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const leading = a.shape.slice(0, -2);
  const batch = leading.reduce((p, d) => p * d, 1);
  const product = engine.matMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, {
    batch,
    m,
    k,
    n,
    transposeB,
  });
  return tf.tensor(product, [...leading, m, n]);
}

/** XᵀX [columns, columns] of the rows of x [..., columns], as a Float32Array. */
export function denseGram(x: tf.Tensor): Float32Array {
  const columns = x.shape[x.rank - 1];
  return denseEngine().gram(x.dataSync() as Float32Array, x.size / columns, columns);
}

/**
 * Scaled dot-product attention per head: softmax(scale·q·kᵀ + mask)·v for q [..., m, d], k and v
 * [..., n, d] with the same leading axes, and an additive mask [m, n] → [..., m, d].
 */
export function denseAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask: Float32Array,
  scale: number,
): tf.Tensor {
  const [queries, depth] = q.shape.slice(-2);
  const keys = k.shape[k.rank - 2];
  const engine = denseEngine();
  if (engine.name === 'tfjs') {
    return tf.tidy(() => tfjsAttention(q, k, v, tf.tensor2d(mask, [queries, keys]), scale));
  }
  const batch = q.size / (queries * depth);
  const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
  const out = engine.attention(read(q), read(k), read(v), mask, { batch, queries, keys, depth, scale });
  return tf.tensor(out, q.shape);
}
