import { mulberry32, tf } from '@lowbit/core-tensor';

/** A layer's op without bias: linear [N, in] → [N, out], conv NCHW → NCHW, with `weight` in the target's layout. */
export type LayerApply = (input: tf.Tensor, weight: tf.Tensor) => tf.Tensor;

/**
 * The reconstruction loss ‖output − target‖²: squared error summed over the output channels (axis 1)
 * and averaged over samples and spatial positions, as AIMET's and BRECQ's layer loss.
 */
export function reconstructionLoss(output: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perPosition = output.size / (output.shape[1] ?? 1);
    return tf.div(tf.sum(tf.squaredDifference(output, target)), perPosition) as tf.Scalar;
  });
}

/**
 * The output the loss compares: relu(o + b) when the layer is followed by a ReLU (`reluBias`, the
 * bias broadcast over the output, e.g. [1, C, 1, 1]), else o itself (the bias cancels in o − y).
 */
export function activate(output: tf.Tensor, reluBias: tf.Tensor | undefined): tf.Tensor {
  return reluBias ? tf.tidy(() => tf.relu(tf.add(output, reluBias))) : output.clone();
}

/**
 * `reconstructionLoss(activate(o, reluBias), target)` as a function of o whose gradient is computed in
 * two elementwise ops, 2(f(o) − target)·f′(o)/P, instead of tfjs's generic chain (which broadcasts
 * the upstream scalar and runs the ReLU's and the squared difference's gradients separately).
 * `target` is already activated.
 */
export function reconstructionObjective(
  target: tf.Tensor,
  reluBias: tf.Tensor | undefined,
): (output: tf.Tensor) => tf.Scalar {
  const objective = (output: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    const positions = output.size / (output.shape[1] ?? 1);
    const pre = reluBias ? tf.add(output, reluBias) : output;
    const error = tf.sub(reluBias ? tf.relu(pre) : pre, target);
    const slope = reluBias ? tf.mul(error, tf.step(pre)) : error;
    save([slope]);
    return {
      value: tf.div(tf.sum(tf.square(error)), positions) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(saved, tf.mul(dy, 2 / positions)),
    };
  };
  return tf.customGrad(objective as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    output: tf.Tensor,
  ) => tf.Scalar;
}

/** Rows per evaluation chunk, so evaluating a layer never materialises more than this many outputs. */
const EVAL_ROWS = 256;

/**
 * The reconstruction loss of `weight` over all calibration samples, evaluated in chunks:
 * ‖activate(apply(X, W)) − targets‖² with `targets` already activated.
 */
export function datasetLoss(
  inputs: tf.Tensor,
  targets: tf.Tensor,
  weight: tf.Tensor,
  apply: LayerApply,
  reluBias?: tf.Tensor,
): number {
  const n = inputs.shape[0];
  let total = 0;
  for (let start = 0; start < n; start += EVAL_ROWS) {
    const rows = Math.min(EVAL_ROWS, n - start);
    const loss = tf.tidy(() => {
      const x = tf.slice(inputs, start, rows);
      const y = tf.slice(targets, start, rows);
      return reconstructionLoss(activate(apply(x, weight), reluBias), y);
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
