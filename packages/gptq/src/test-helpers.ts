import { mulberry32, tf } from '@lowbit/core-tensor';
import { accumulateHessian, createHessian } from './gptq-math';

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
export function randn(count: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  return Float32Array.from({ length: count }, () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  });
}

/** Rows of the Sylvester Hadamard matrix of size n (a power of 2): ±1 entries, HᵀH = n·I exactly. */
export function hadamard(n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let bits = i & j;
      let parity = 0;
      while (bits) {
        parity ^= bits & 1;
        bits >>= 1;
      }
      out[i * n + j] = parity ? -1 : 1;
    }
  }
  return out;
}

/** Correlated inputs [n, d]: N(0, 1) rows times (I + 0.5·M), M N(0, 1). */
export function correlatedInputs(n: number, d: number, seed: number): Float32Array {
  const x = tf.tidy(() => {
    const mixing = tf.add(tf.eye(d), tf.mul(tf.tensor2d(randn(d * d, seed + 1), [d, d]), 0.5));
    return tf.matMul(tf.tensor2d(randn(n * d, seed), [n, d]), mixing);
  });
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

/** H = 2/n Σ xxᵀ of the rows of x [n, d], accumulated in batches of the given row counts; the caller disposes it. */
export function hessianOf(x: Float32Array, d: number, batches = [x.length / d]): tf.Tensor2D {
  const state = createHessian(d);
  let start = 0;
  for (const rows of batches) {
    const chunk = tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d]);
    accumulateHessian(state, chunk);
    chunk.dispose();
    start += rows;
  }
  return tf.tensor2d(state.h, [d, d]);
}

/** ‖(W − Ŵ) Xᵀ‖² for W, Ŵ [out, in] and X [n, in]. */
export function outputSquaredError(w: tf.Tensor2D, reconstruction: tf.Tensor, x: tf.Tensor2D): number {
  return tf.tidy(() => {
    const delta = tf.sub(w, reconstruction) as tf.Tensor2D;
    return tf.sum(tf.square(tf.matMul(x, tf.transpose(delta)))).dataSync()[0];
  });
}

export { expectLowbitError } from '@lowbit/core-tensor/testing';
