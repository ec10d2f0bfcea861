import { LowbitError, perChannel, perTensor, type QuantArgs, quantArgs } from '@lowbit/core-tensor';

/** How weights are fake-quantized during training. */
export type WeightQuantizerKind = 'lsq' | 'dorefa' | 'binary';

/** How LSQ weight step sizes start: LSQ's 2·mean|w|/√Q_p, per-channel absmax, or an MSE clip search. */
export type WeightScaleInit = 'lsq' | 'minmax' | 'mse';

export interface WeightQatOptions {
  /** Bits per weight code, 2–8 (default 4). Ignored by 'binary'. */
  bits?: number;
  /** 'lsq' (default): learnable step size; 'dorefa': tanh-normalised weights; 'binary': α·sign(w). */
  quantizer?: WeightQuantizerKind;
  /** One step size per output channel (default) or one for the whole tensor. */
  granularity?: 'channel' | 'tensor';
  /** Initial LSQ step sizes (default 'mse'). */
  init?: WeightScaleInit;
  /** Learn the LSQ step sizes (default true); false keeps the initial ones (plain STE). */
  learnScale?: boolean;
}

/** 'learn': AIMET's range learning (scale and zero point by gradient); 'fixed': calibrated once, plain STE. */
export type ActivationRangeMode = 'learn' | 'fixed';

export interface ActivationQatOptions {
  /** Bits per activation code, 2–8 (default 8). */
  bits?: number;
  /** Symmetric signed codes instead of PyTorch's asymmetric quint8 (default false). */
  symmetric?: boolean;
  /** @lowbit/observers registry name for the initial calibration (default 'mse'). */
  observer?: string;
  /** Learn the ranges after calibration (default) or keep them fixed. */
  range?: ActivationRangeMode;
}

export interface QatOptions {
  weights?: WeightQatOptions;
  /** Activation (target input) quantization; false keeps activations float. */
  activations?: ActivationQatOptions | false;
}

export interface WeightQatConfig {
  readonly quantizer: WeightQuantizerKind;
  readonly args: QuantArgs;
  readonly init: WeightScaleInit;
  readonly learnScale: boolean;
}

export interface ActivationQatConfig {
  readonly args: QuantArgs;
  readonly observer: string;
  readonly range: ActivationRangeMode;
}

export interface QatConfig {
  readonly weights: WeightQatConfig;
  readonly activations: ActivationQatConfig | undefined;
}

export function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function checkBits(bits: number, what: string): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    bad(`${what} bits is ${bits}; use an integer from 2 to 8 (e.g. ${what} bits: 4).`);
  }
  return bits;
}

function oneOf<T extends string>(value: T, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value)) bad(`${what} "${value}" is unknown; use one of ${allowed.join(', ')}.`);
  return value;
}

function weightConfig(options: WeightQatOptions): WeightQatConfig {
  const quantizer = oneOf(options.quantizer ?? 'lsq', ['lsq', 'dorefa', 'binary'], 'weights.quantizer');
  const bits = quantizer === 'binary' ? 2 : checkBits(options.bits ?? 4, 'weights');
  const granularity = oneOf(options.granularity ?? 'channel', ['channel', 'tensor'], 'weights.granularity');
  return {
    quantizer,
    args: quantArgs({
      bits,
      symmetric: true,
      granularity: granularity === 'channel' ? perChannel(0) : perTensor(),
    }),
    init: oneOf(options.init ?? 'mse', ['lsq', 'minmax', 'mse'], 'weights.init'),
    learnScale: options.learnScale ?? true,
  };
}

function activationConfig(options: ActivationQatOptions): ActivationQatConfig {
  const symmetric = options.symmetric ?? false;
  return {
    args: quantArgs({ bits: checkBits(options.bits ?? 8, 'activations'), symmetric, signed: symmetric }),
    observer: options.observer ?? 'mse',
    range: oneOf(options.range ?? 'learn', ['learn', 'fixed'], 'activations.range'),
  };
}

/** Validated QAT configuration; bad values throw BAD_ARGS naming the option. */
export function qatConfig(options: QatOptions = {}): QatConfig {
  return {
    weights: weightConfig(options.weights ?? {}),
    activations: options.activations === false ? undefined : activationConfig(options.activations ?? {}),
  };
}
