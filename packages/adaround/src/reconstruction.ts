import { mulberry32, tf } from '@lowbit/core-tensor';

/** A layer's op without bias: linear [N, in] → [N, out], conv NCHW → NCHW, with `weight` in the target's layout. */
export type LayerApply = (input: tf.Tensor, weight: tf.Tensor) => tf.Tensor;

/**
 * The reconstruction loss ‖apply(X, W̃) − Y‖²: squared error summed over the output channels (axis 1)
 * and averaged over samples and spatial positions, as AIMET's and BRECQ's layer loss.
 */
export function reconstructionLoss(output: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perPosition = output.size / (output.shape[1] ?? 1);
    return tf.div(tf.sum(tf.squaredDifference(output, target)), perPosition) as tf.Scalar;
  });
}

/** Rows per evaluation chunk, so evaluating a layer never materialises more than this many outputs. */
const EVAL_ROWS = 256;

/** The reconstruction loss of `weight` over all calibration samples, evaluated in chunks. */
export function datasetLoss(
  inputs: tf.Tensor,
  targets: tf.Tensor,
  weight: tf.Tensor,
  apply: LayerApply,
): number {
  const n = inputs.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += EVAL_ROWS) {
    const rows = Math.min(EVAL_ROWS, n - start);
    const loss = tf.tidy(() => {
      const x = tf.slice(inputs, start, rows);
      const y = tf.slice(targets, start, rows);
      return reconstructionLoss(apply(x, weight), y);
    });
    total += loss.dataSync()[0] * rows;
    loss.dispose();
  }
  return total / n;
}

/**
 * Mini-batches of `batchSize` distinct sample indices out of `n`, drawn with core's mulberry32 (a
 * partial Fisher–Yates shuffle per batch, like AIMET's randperm(n)[:batchSize]).
 */
export function batchSampler(n: number, batchSize: number, seed: number): () => Int32Array {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const size = Math.min(batchSize, n);
  return () => {
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (n - i));
      const swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order.slice(0, size);
  };
}
