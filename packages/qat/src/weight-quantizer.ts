import {
  chooseQParams,
  codeRange,
  lsqFakeQuantize,
  perTensor,
  type QuantArgs,
  QuantizedTensor,
  type QuantTarget,
  quantArgs,
  reduceGroups,
  searchClipQParams,
  tf,
} from '@lowbit/core-tensor';
import type { WeightQatConfig } from './config';
import { roundSte } from './lsq';
import { variableFrom } from './variables';

/** The trainable float weight of one target and how it is fake-quantized in the forward pass. */
export interface WeightQuantizer {
  readonly target: QuantTarget;
  /** The float ("shadow") weight the optimizer updates, in the target's layout. */
  readonly weight: tf.Variable;
  /** Learnable quantizer parameters (LSQ step sizes), empty when none are learned. */
  readonly quantizerVariables: readonly tf.Variable[];
  /** The fake-quantized weight; call inside the forward so gradients reach the variables. */
  fakeQuantized(): tf.Tensor;
  /** The final weight as codes with their qparams (the values fakeQuantized() produces). */
  toQuantized(): QuantizedTensor;
  /** Keeps step sizes positive after an optimizer step. */
  constrain(): void;
  dispose(): void;
}

const MIN_SCALE = 1e-8;

function initialScale(w: tf.Tensor, config: WeightQatConfig, name: string): tf.Tensor {
  const { args, init } = config;
  if (init === 'lsq') {
    return tf.tidy(() => {
      const { max } = codeRange(args);
      const sums = reduceGroups(tf.abs(w), args.granularity, 'sum');
      const count = w.size / Math.max(sums.size, 1);
      return tf.maximum(tf.div(tf.mul(sums, 2 / count), Math.sqrt(max)), MIN_SCALE);
    });
  }
  if (init === 'mse') {
    const { scale, zeroPoint, ratio } = searchClipQParams(w, args, {}, name);
    tf.dispose([zeroPoint, ratio]);
    return scale;
  }
  const { scale, zeroPoint } = chooseQParams(w, args, name);
  zeroPoint.dispose();
  return scale;
}

class LsqWeightQuantizer implements WeightQuantizer {
  readonly scale: tf.Variable;
  readonly quantizerVariables: readonly tf.Variable[];

  constructor(
    readonly target: QuantTarget,
    readonly weight: tf.Variable,
    private readonly config: WeightQatConfig,
  ) {
    this.scale = variableFrom(
      initialScale(weight, config, target.name),
      config.learnScale,
      `${target.name}/weight_scale`,
    );
    this.quantizerVariables = config.learnScale ? [this.scale] : [];
  }

  fakeQuantized(): tf.Tensor {
    return lsqFakeQuantize(this.weight, this.scale, this.config.args);
  }

  toQuantized(): QuantizedTensor {
    const zeroPoint = tf.zerosLike(this.scale);
    try {
      return QuantizedTensor.fromTensor(this.weight, this.config.args, { scale: this.scale, zeroPoint });
    } finally {
      zeroPoint.dispose();
    }
  }

  constrain(): void {
    tf.tidy(() => this.scale.assign(tf.maximum(this.scale, MIN_SCALE)));
  }

  dispose(): void {
    tf.dispose([this.weight, this.scale]);
  }
}

/**
 * DoReFa-Net weights (Zhou et al., 2016): r = tanh(w)/(2·max|tanh w|) + ½ quantized to k bits and
 * mapped back to [−1, 1], times α = max|w| at the start so a pretrained layer keeps its range.
 */
class DorefaWeightQuantizer implements WeightQuantizer {
  readonly quantizerVariables: readonly tf.Variable[] = [];
  private readonly alpha: number;
  private readonly levels: number;

  constructor(
    readonly target: QuantTarget,
    readonly weight: tf.Variable,
    config: WeightQatConfig,
  ) {
    this.alpha = tf.tidy(() => tf.max(tf.abs(weight)).dataSync()[0]) || 1;
    this.levels = 2 ** config.args.bits - 1;
  }

  /** Codes 0..2^k−1 (rounded through the STE). */
  private codes(): tf.Tensor {
    const t = tf.tanh(this.weight);
    const r = tf.add(tf.div(t, tf.mul(tf.max(tf.abs(t)), 2)), 0.5);
    return roundSte(tf.mul(r, this.levels));
  }

  fakeQuantized(): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.sub(tf.mul(this.codes(), 2 / this.levels), 1), this.alpha));
  }

  toQuantized(): QuantizedTensor {
    const args = quantArgs({
      bits: Math.log2(this.levels + 1),
      symmetric: true,
      signed: false,
      zeroPointDomain: 'float',
      granularity: perTensor(),
    });
    const codes = tf.tidy(() => tf.cast(this.codes(), 'int32').dataSync() as Int32Array);
    return new QuantizedTensor({
      shape: this.target.shape.slice(),
      args,
      codes,
      scale: Float32Array.of((2 * this.alpha) / this.levels),
      zeroPoint: Float32Array.of(this.levels / 2),
    });
  }

  constrain(): void {}

  dispose(): void {
    this.weight.dispose();
  }
}

/** sign(w) with 0 → +1 and the hard-tanh straight-through gradient (1 where |w| ≤ 1). */
const signSte = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([w]);
  return {
    value: tf.tidy(() => tf.where(tf.greaterEqual(w, 0), tf.onesLike(w), tf.onesLike(w).neg())),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
      tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved), 1), 'float32')),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (w: tf.Tensor) => tf.Tensor;

/** Binary weights (BNN / XNOR-Net): α·sign(w), α = mean|w| per output channel of the current weight. */
class BinaryWeightQuantizer implements WeightQuantizer {
  readonly quantizerVariables: readonly tf.Variable[] = [];
  private readonly args: QuantArgs;

  constructor(
    readonly target: QuantTarget,
    readonly weight: tf.Variable,
    config: WeightQatConfig,
  ) {
    this.args = config.args;
  }

  private alpha(): tf.Tensor {
    const count = this.weight.size / this.weight.shape[0];
    const sums = reduceGroups(tf.abs(this.weight), this.args.granularity, 'sum');
    return tf.div(sums, this.args.granularity.kind === 'tensor' ? this.weight.size : count);
  }

  fakeQuantized(): tf.Tensor {
    return tf.tidy(() => {
      const alpha = this.alpha();
      const shape =
        this.args.granularity.kind === 'tensor' ? [] : [-1, ...this.weight.shape.slice(1).map(() => 1)];
      return tf.mul(signSte(this.weight), tf.reshape(alpha, shape));
    });
  }

  toQuantized(): QuantizedTensor {
    const [codes, scale] = tf.tidy(() => [
      tf.cast(signSte(this.weight), 'int32').dataSync() as Int32Array,
      this.alpha().dataSync() as Float32Array,
    ]);
    const zeroPoint = new Float32Array(scale.length);
    return new QuantizedTensor({
      shape: this.target.shape.slice(),
      args: this.args,
      codes,
      scale,
      zeroPoint,
    });
  }

  constrain(): void {}

  dispose(): void {
    this.weight.dispose();
  }
}

/** A weight quantizer of `config`'s kind over a trainable copy of `initial` (not disposed). */
export function createWeightQuantizer(
  target: QuantTarget,
  initial: tf.Tensor,
  config: WeightQatConfig,
): WeightQuantizer {
  const weight = variableFrom(initial.clone(), true, `${target.name}/weight`);
  if (config.quantizer === 'dorefa') return new DorefaWeightQuantizer(target, weight, config);
  if (config.quantizer === 'binary') return new BinaryWeightQuantizer(target, weight, config);
  return new LsqWeightQuantizer(target, weight, config);
}
