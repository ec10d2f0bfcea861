import { tf } from '@lowbit/core-tensor';
import type { AdaroundConfig } from './config';
import { batchSampler } from './reconstruction';

/** Called every `progressInterval` steps and after the last one with the mini-batch loss. */
export type IterationCallback = (iteration: number, loss: number) => void;

/** What the loop needs of the configuration. */
export type LoopSettings = Pick<AdaroundConfig, 'iterations' | 'batchSize' | 'seed' | 'progressInterval'>;

/**
 * One optimisation step on a mini-batch (xb, yb); `progress` = step / steps. Returns the mini-batch
 * loss when `report` is set (it is read back), else nothing.
 */
export type OptimizerStep = (
  xb: tf.Tensor,
  yb: tf.Tensor,
  progress: number,
  report: boolean,
) => tf.Scalar | undefined | null;

/**
 * Rows of a tensor copied into mini-batches in JS (tfjs-wasm's gather costs about 30 ns per element;
 * copying rows costs about 1 ns): the data is read back once.
 */
class RowBatches {
  private readonly data: Float32Array;
  private readonly rowSize: number;

  constructor(private readonly tensor: tf.Tensor) {
    this.data = tensor.dataSync() as Float32Array;
    this.rowSize = tensor.size / tensor.shape[0];
  }

  take(rows: Int32Array): tf.Tensor {
    const { rowSize } = this;
    const batch = new Float32Array(rows.length * rowSize);
    rows.forEach((row, i) => {
      batch.set(this.data.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    });
    return tf.tensor(batch, [rows.length, ...this.tensor.shape.slice(1)]);
  }
}

/**
 * Runs `step` on random mini-batches of (inputs, targets), each step in one tf.tidy; the loss is
 * read back (a device sync) only every `progressInterval` steps, for `onIteration`.
 */
export function optimizeReconstruction(
  inputs: tf.Tensor,
  targets: tf.Tensor,
  step: OptimizerStep,
  settings: LoopSettings,
  onIteration?: IterationCallback,
): void {
  const { iterations, batchSize, seed, progressInterval } = settings;
  const n = inputs.shape[0];
  const whole = batchSize >= n;
  const nextBatch = batchSampler(n, batchSize, seed);
  const [xs, ys] = whole ? [] : [new RowBatches(inputs), new RowBatches(targets)];
  for (let index = 0; index < iterations; index++) {
    const report =
      onIteration !== undefined && ((index + 1) % progressInterval === 0 || index === iterations - 1);
    tf.tidy(() => {
      let xb = inputs;
      let yb = targets;
      if (xs && ys) {
        const rows = nextBatch();
        xb = xs.take(rows);
        yb = ys.take(rows);
      }
      const cost = step(xb, yb, index / iterations, report);
      if (report && cost) onIteration(index + 1, cost.dataSync()[0]);
    });
  }
}
