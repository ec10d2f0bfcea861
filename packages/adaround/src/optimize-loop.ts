import { tf } from '@lowbit/core-tensor';
import type { AdaroundConfig } from './config';
import { batchSampler } from './reconstruction';

/** Called every `progressInterval` steps and after the last one with the mini-batch loss. */
export type IterationCallback = (iteration: number, loss: number) => void;

/** What the loop needs of the configuration. */
export type LoopSettings = Pick<
  AdaroundConfig,
  'iterations' | 'batchSize' | 'learningRate' | 'seed' | 'progressInterval'
>;

/** The loss of one step on a mini-batch (xb, yb); `progress` = step / steps. */
export type StepLoss = (xb: tf.Tensor, yb: tf.Tensor, progress: number) => tf.Scalar;

/**
 * Adam over `variables` on random mini-batches of (inputs, targets). Each step is one tf.tidy; the
 * loss is read back (a device sync) only every `progressInterval` steps, for `onIteration`.
 */
export function optimizeReconstruction(
  inputs: tf.Tensor,
  targets: tf.Tensor,
  variables: tf.Variable[],
  stepLoss: StepLoss,
  settings: LoopSettings,
  onIteration?: IterationCallback,
): void {
  const { iterations, batchSize, learningRate, seed, progressInterval } = settings;
  const n = inputs.shape[0];
  const whole = batchSize >= n;
  const nextBatch = batchSampler(n, batchSize, seed);
  const optimizer = tf.train.adam(learningRate);
  try {
    for (let step = 0; step < iterations; step++) {
      const report =
        onIteration !== undefined && ((step + 1) % progressInterval === 0 || step === iterations - 1);
      tf.tidy(() => {
        let xb = inputs;
        let yb = targets;
        if (!whole) {
          const indices = tf.tensor1d(nextBatch(), 'int32');
          xb = tf.gather(inputs, indices);
          yb = tf.gather(targets, indices);
        }
        const cost = optimizer.minimize(() => stepLoss(xb, yb, step / iterations), report, variables);
        if (report && cost) onIteration(step + 1, cost.dataSync()[0]);
      });
    }
  } finally {
    optimizer.dispose();
  }
}
