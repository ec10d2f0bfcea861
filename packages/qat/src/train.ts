import { mulberry32, type ProgressOptions, tf } from '@lowbit/core-tensor';
import { bad } from './config';
import { checkImageData, gatherBatch, type ImageData } from './data';
import { evaluateQat } from './evaluate';
import { type FreezeState, freezeStateAt, freezeStep } from './freeze';
import { softmaxCrossEntropy } from './loss';
import type { QatModel } from './qat-model';
import { type LearningRateSchedule, learningRateAt } from './schedule';

export interface TrainQatOptions extends ProgressOptions {
  /** Labelled training images (e.g. @lowbit/models' loadImageClassification). */
  train: ImageData;
  /** Passes over the training set (default 1). */
  epochs?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** 'adam' (default), 'sgd' (momentum 0.9, as PyTorch's QAT recipes) or your tf.Optimizer (not disposed). */
  optimizer?: 'adam' | 'sgd' | tf.Optimizer;
  /** Base learning rate (default 1e-4). */
  learningRate?: number;
  /** 'cosine' (default) anneals to 0 over the run; 'constant' keeps it. */
  schedule?: LearningRateSchedule;
  /** L2 penalty on the float weights (not biases or quantizer ranges); default 0. */
  weightDecay?: number;
  /** Seed of the per-epoch shuffle (mulberry32; default 0). */
  seed?: number;
  /** Evaluated after every epoch (top-1 and loss, inference mode). */
  heldOut?: ImageData;
  /** BN layers switch to running statistics from here on: epochs (≥ 1) or a fraction of the run (< 1). */
  freezeBatchNormAfter?: number;
  /** Quantizer ranges (step sizes, zero points) stop learning from here on (PyTorch's disable_observer). */
  freezeRangesAfter?: number;
  /** Caps the steps of each epoch (default: the whole training set). */
  maxStepsPerEpoch?: number;
}

export interface QatEpoch {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Held-out top-1 accuracy after the epoch (when heldOut is given). */
  accuracy?: number;
  heldOutLoss?: number;
  seconds: number;
}

export interface QatHistory {
  epochs: QatEpoch[];
  /** Training loss of every step. */
  stepLosses: number[];
}

interface Resolved {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  schedule: LearningRateSchedule;
}

function positiveInteger(value: number, option: string, example: number): number {
  if (!Number.isInteger(value) || value < 1)
    bad(`${option} is ${value}; use a positive integer such as ${example}.`);
  return value;
}

function resolve(options: TrainQatOptions): Resolved {
  const learningRate = options.learningRate ?? 1e-4;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    bad(`learningRate is ${learningRate}; use a positive finite number such as 1e-4.`);
  }
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
    bad(`weightDecay is ${weightDecay}; use 0 or a small positive number such as 1e-5.`);
  }
  const schedule = options.schedule ?? 'cosine';
  if (schedule !== 'constant' && schedule !== 'cosine')
    bad(`schedule "${schedule}" is unknown; use 'constant' or 'cosine'.`);
  return {
    epochs: positiveInteger(options.epochs ?? 1, 'epochs', 1),
    batchSize: positiveInteger(options.batchSize ?? 64, 'batchSize', 64),
    learningRate,
    weightDecay,
    seed: options.seed ?? 0,
    schedule,
  };
}

function isOptimizer(choice: unknown): choice is tf.Optimizer {
  return (
    typeof choice === 'object' && choice !== null && typeof (choice as tf.Optimizer).minimize === 'function'
  );
}

function makeOptimizer(choice: TrainQatOptions['optimizer'], learningRate: number): tf.Optimizer {
  if (isOptimizer(choice)) return choice;
  if (choice === undefined || choice === 'adam') return tf.train.adam(learningRate);
  if (choice === 'sgd') return tf.train.momentum(learningRate, 0.9);
  return bad(`optimizer "${String(choice)}" is unknown; use 'adam', 'sgd' or a tf.Optimizer.`);
}

/** Sets the learning rate of tfjs' SGD/momentum (setLearningRate) or Adam-style (learningRate field) optimizers. */
function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else if (typeof o.learningRate === 'number') o.learningRate = rate;
}

/** Frees an optimizer we made; tfjs' MomentumOptimizer.dispose() forgets SGD's learning-rate scalar `c`. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer instanceof tf.MomentumOptimizer) (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
}

/** A seeded Fisher–Yates permutation of 0..n−1. */
export function shuffledIndices(n: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function stepLoss(
  qat: QatModel,
  batch: ReturnType<typeof gatherBatch>,
  training: boolean,
  weightDecay: number,
) {
  const labels = tf.tensor1d(batch.labels, 'int32');
  const loss = softmaxCrossEntropy(qat.forward(batch.images, { training }), labels);
  if (weightDecay === 0) return loss;
  const weights = [...qat.weights.values()].map((q) => tf.sum(tf.square(q.weight)));
  return tf.add(loss, tf.mul(tf.addN(weights), weightDecay / 2)) as tf.Scalar;
}

interface Plan {
  config: Resolved;
  stepsPerEpoch: number;
  total: number;
  bnStep: number;
  rangeStep: number;
}

function plan(qat: QatModel, options: TrainQatOptions): Plan {
  qat.assertLive();
  const config = resolve(options);
  checkImageData(options.train, 'train', qat.inputShape);
  if (options.heldOut) checkImageData(options.heldOut, 'heldOut', qat.inputShape);
  const fullSteps = Math.ceil(options.train.shape[0] / config.batchSize);
  const cap = options.maxStepsPerEpoch;
  const stepsPerEpoch =
    cap === undefined ? fullSteps : Math.min(fullSteps, positiveInteger(cap, 'maxStepsPerEpoch', 100));
  const total = stepsPerEpoch * config.epochs;
  return {
    config,
    stepsPerEpoch,
    total,
    bnStep: freezeStep(options.freezeBatchNormAfter, stepsPerEpoch, total, 'freezeBatchNormAfter'),
    rangeStep: freezeStep(options.freezeRangesAfter, stepsPerEpoch, total, 'freezeRangesAfter'),
  };
}

/** One optimizer step on a batch; returns its loss. */
function trainStep(
  qat: QatModel,
  optimizer: tf.Optimizer,
  batch: ReturnType<typeof gatherBatch>,
  frozen: FreezeState,
  weightDecay: number,
): number {
  const loss = tf.tidy(() => {
    const cost = optimizer.minimize(
      () => stepLoss(qat, batch, !frozen.batchNorm, weightDecay),
      true,
      qat.trainableVariables(frozen.ranges),
    );
    return cost!.dataSync()[0];
  });
  qat.constrain();
  return loss;
}

async function run(
  qat: QatModel,
  options: TrainQatOptions,
  p: Plan,
  optimizer: tf.Optimizer,
): Promise<QatHistory> {
  const { config, stepsPerEpoch, total } = p;
  const history: QatHistory = { epochs: [], stepLosses: [] };
  let step = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const started = performance.now();
    const order = shuffledIndices(options.train.shape[0], config.seed + epoch - 1);
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++, step++) {
      setLearningRate(optimizer, learningRateAt(config.schedule, config.learningRate, step, total));
      const batch = gatherBatch(
        options.train,
        order.subarray(s * config.batchSize, (s + 1) * config.batchSize),
      );
      let loss: number;
      try {
        loss = trainStep(
          qat,
          optimizer,
          batch,
          freezeStateAt(step, p.bnStep, p.rangeStep),
          config.weightDecay,
        );
      } finally {
        batch.images.dispose();
      }
      lossSum += loss;
      history.stepLosses.push(loss);
      options.onProgress?.({
        stage: 'qat',
        done: step + 1,
        total,
        note: `epoch ${epoch} loss ${loss.toFixed(4)}`,
      });
      await new Promise((r) => setTimeout(r, 0));
    }
    const evaluation = options.heldOut ? evaluateQat(qat, options.heldOut) : undefined;
    history.epochs.push({
      epoch,
      loss: lossSum / stepsPerEpoch,
      accuracy: evaluation?.accuracy,
      heldOutLoss: evaluation?.loss,
      seconds: (performance.now() - started) / 1000,
    });
  }
  return history;
}

/**
 * Quantization-aware training: softmax cross-entropy on the fake-quantized model, minimised by a
 * tfjs optimizer over the float weights, biases and (until frozen) the quantizer ranges. Bad
 * options throw synchronously (before any step); the returned promise resolves to the history.
 */
export function trainQat(qat: QatModel, options: TrainQatOptions): Promise<QatHistory> {
  const p = plan(qat, options);
  const optimizer = makeOptimizer(options.optimizer, p.config.learningRate);
  return run(qat, options, p, optimizer).finally(() => {
    if (!isOptimizer(options.optimizer)) disposeOptimizer(optimizer);
  });
}
