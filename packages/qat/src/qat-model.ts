import {
  type Block,
  type CaptureFn,
  LowbitError,
  type ParameterFn,
  type QuantModel,
  type QuantTarget,
  tf,
} from '@lowbit/core-tensor';
import { calibrateInputs, createObserver, type Observer } from '@lowbit/observers';
import { ActivationRangeQuantizer } from './activation-quantizer';
import { type QatConfig, type QatOptions, qatConfig } from './config';
import { checkImageData, gatherBatch, type ImageData, ranges } from './data';
import { variableFrom } from './variables';
import { createWeightQuantizer, type WeightQuantizer } from './weight-quantizer';

export interface PrepareQatOptions extends QatOptions {
  /**
   * Calibration images for the initial activation ranges (and the first forward, which creates the
   * trainable weights): image batches (model inputs) or labelled image data.
   */
  calibration: readonly tf.Tensor[] | ImageData;
  /** Images taken from ImageData for calibration (default 512). */
  calibrationSize?: number;
  /** Images per calibration batch from ImageData (default 128). */
  calibrationBatchSize?: number;
}

/** What the forward pass simulates. */
export interface QatForwardOptions {
  /** Normalization layers in training mode (batch statistics, running-statistic updates). */
  training?: boolean;
}

/**
 * A model prepared for quantization-aware training: trainable float weights and biases, their fake
 * quantizers, and the fake quantizers of every target's input. Use with trainQat, then convertQat.
 */
export class QatModel {
  readonly config: QatConfig;
  readonly weights = new Map<string, WeightQuantizer>();
  readonly biases = new Map<string, tf.Variable>();
  readonly activations = new Map<string, ActivationRangeQuantizer>();
  /** [C, H, W] of the images the model takes (from the calibration batches). */
  inputShape: readonly number[] = [];
  private live = true;
  private readonly parameterFn: ParameterFn;
  private readonly captureFn: CaptureFn;

  constructor(
    readonly model: QuantModel,
    options: QatOptions,
  ) {
    this.config = qatConfig(options);
    this.parameterFn = (target, role, value) =>
      role === 'weight' ? this.weightOf(target, value).fakeQuantized() : tf.clone(this.biasOf(target, value));
    this.captureFn = (target, input) => this.activations.get(target)?.apply(input);
  }

  /** Logits of a batch with fake-quantized weights and activations (a new tensor). */
  forward(batch: tf.Tensor, options: QatForwardOptions = {}): tf.Tensor {
    this.assertLive();
    return tf.tidy(() => {
      let x = this.model.embed(batch);
      for (const block of this.model.blocks) {
        x = block.forward(x, this.captureFn, { parameters: this.parameterFn, training: options.training });
      }
      return this.model.head(x);
    });
  }

  /** Trained float parameters (weights, biases) and, unless `frozenRanges`, the quantizers' learnable ranges. */
  trainableVariables(frozenRanges = false): tf.Variable[] {
    // Ranges last: freezing drops a tail, so optimizers' per-position slots stay aligned.
    const vars = [...[...this.weights.values()].map((q) => q.weight), ...this.biases.values()];
    if (frozenRanges) return vars;
    for (const q of this.weights.values()) vars.push(...q.quantizerVariables);
    for (const a of this.activations.values()) vars.push(...a.variables);
    return vars;
  }

  /** Keeps step sizes positive after an optimizer step. */
  constrain(): void {
    for (const q of this.weights.values()) q.constrain();
    for (const a of this.activations.values()) a.constrain();
  }

  /** Frees every variable; the QatModel cannot be used afterwards. */
  dispose(): void {
    for (const q of this.weights.values()) q.dispose();
    tf.dispose([...this.biases.values()]);
    for (const a of this.activations.values()) a.dispose();
    this.live = false;
  }

  assertLive(): void {
    if (!this.live) {
      throw new LowbitError(
        'NOT_READY',
        'This QAT model was converted or disposed; call prepareQat(model, options) again to train anew.',
      );
    }
  }

  /** The block as it runs in QAT (fake-quantized weights, float activations): for calibration. */
  calibrationBlock(block: Block, seen: Set<string>): Block {
    return {
      ...block,
      forward: (x, capture) =>
        block.forward(
          x,
          (target, input) => {
            seen.add(target);
            return capture?.(target, input);
          },
          { parameters: this.parameterFn, training: false },
        ),
    };
  }

  private weightOf(target: QuantTarget, value: tf.Tensor): WeightQuantizer {
    let quantizer = this.weights.get(target.name);
    if (!quantizer) {
      quantizer = createWeightQuantizer(target, value, this.config.weights);
      this.weights.set(target.name, quantizer);
    }
    return quantizer;
  }

  private biasOf(target: QuantTarget, value: tf.Tensor): tf.Variable {
    let bias = this.biases.get(target.name);
    if (!bias) {
      bias = variableFrom(value.clone(), true, `${target.name}/bias`);
      this.biases.set(target.name, bias);
    }
    return bias;
  }
}

function calibrationBatches(options: PrepareQatOptions): { batches: tf.Tensor[]; owned: boolean } {
  const { calibration } = options;
  if (Array.isArray(calibration)) {
    if (calibration.length === 0 || !calibration.every((t) => t instanceof tf.Tensor && t.rank >= 2)) {
      throw new LowbitError(
        'BAD_ARGS',
        'calibration must be non-empty: image batches [B, C, H, W] or labelled image data.',
      );
    }
    return { batches: calibration as tf.Tensor[], owned: false };
  }
  if (!calibration) {
    throw new LowbitError(
      'BAD_ARGS',
      'prepareQat needs calibration images (options.calibration: image batches or image data, e.g. 512 training images).',
    );
  }
  const data = calibration as ImageData;
  checkImageData(data, 'calibration');
  const size = Math.min(options.calibrationSize ?? 512, data.shape[0]);
  const batchSize = options.calibrationBatchSize ?? 128;
  if (!(Number.isInteger(size) && size >= 1 && Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new LowbitError(
      'BAD_ARGS',
      `calibrationSize (${options.calibrationSize}) and calibrationBatchSize (${batchSize}) must be positive integers.`,
    );
  }
  const batches = ranges(size, batchSize).map((indices) => {
    const batch = gatherBatch(data, indices);
    return batch.images;
  });
  return { batches, owned: true };
}

/** Runs the calibration batches block by block, feeding every target's input to its observer. */
function calibrate(qat: QatModel, batches: readonly tf.Tensor[], seen: Set<string>): Map<string, Observer> {
  const config = qat.config.activations;
  const observers = new Map<string, Observer>();
  for (const batch of batches) {
    let x = qat.model.embed(batch);
    for (const block of qat.model.blocks) {
      const calibrating = qat.calibrationBlock(block, seen);
      if (config) {
        for (const t of block.targets) {
          if (!observers.has(t.name))
            observers.set(t.name, createObserver(config.observer, { args: config.args }));
        }
      }
      calibrateInputs(calibrating, [x], config ? observers : new Map());
      const next = block === qat.model.blocks.at(-1) ? undefined : tf.tidy(() => calibrating.forward(x));
      x.dispose();
      if (!next) break;
      x = next;
    }
  }
  return observers;
}

function activationQuantizers(qat: QatModel, observers: Map<string, Observer>, seen: Set<string>): void {
  for (const [target, observer] of observers) {
    if (seen.has(target)) {
      const qparams = observer.compute();
      qat.activations.set(target, new ActivationRangeQuantizer(target, qparams, qat.config.activations!));
      tf.dispose([qparams.scale, qparams.zeroPoint]);
    }
    observer.reset();
  }
}

/**
 * Prepares `model` (a classifier QuantModel) for QAT: validates the options, runs the calibration
 * batches once — creating a trainable copy of every target's weight and bias and its weight
 * quantizer on first use — and calibrates each target's input range with the configured observer.
 */
export function prepareQat(model: QuantModel, options: PrepareQatOptions): QatModel {
  const qat = new QatModel(model, options);
  const { batches, owned } = calibrationBatches(options);
  try {
    qat.inputShape = batches[0].shape.slice(1);
    const seen = new Set<string>();
    const observers = calibrate(qat, batches, seen);
    activationQuantizers(qat, observers, seen);
  } catch (e) {
    qat.dispose();
    throw e;
  } finally {
    if (owned) tf.dispose(batches);
  }
  if (qat.weights.size === 0) {
    qat.dispose();
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `Model "${model.name}" does not route its weights through ForwardOptions.parameters, so they cannot be trained; QAT needs an adapter that supports it.`,
    );
  }
  return qat;
}
