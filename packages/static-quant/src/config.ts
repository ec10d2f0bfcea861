import {
  isLowbitError,
  LowbitError,
  perChannel,
  perTensor,
  type QuantArgs,
  type QuantArgsInput,
  quantArgs,
} from '@lowbit/core-tensor';
import { createObserver, observerNames } from '@lowbit/observers';

/** How weights are quantized: one scale per output channel (axis 0 of the [out, in·kh·kw] view) or per tensor. */
export interface WeightOptions {
  /** Bits per code, 1–8 (default 8). */
  bits?: number;
  /** 'channel' (default) or 'tensor'. */
  granularity?: 'channel' | 'tensor';
  /** Signed codes centred on zero (default true, PyTorch's qint8 per_channel_symmetric). */
  symmetric?: boolean;
  /** @lowbit/observers registry name that picks the range (default 'minmax'; 'mse' searches a clip). */
  observer?: string;
  observerOptions?: Record<string, unknown>;
}

/** How every target's input is quantized: one static per-tensor scale and zero point. */
export interface ActivationOptions {
  /** Bits per code, 1–8 (default 8). */
  bits?: number;
  /** Default false: unsigned codes with a zero point (PyTorch quint8, ONNX uint8). */
  symmetric?: boolean;
  /** 'minmax' (default), 'histogram', 'entropy', 'percentile', 'mse' or any registered per-tensor observer. */
  observer?: string;
  observerOptions?: Record<string, unknown>;
}

export interface StaticQuantOptions {
  /** Weight quantization, or false to leave weights as an earlier modifier (e.g. AdaRound) set them. */
  weights?: WeightOptions | false;
  /** Activation quantization, or false for weight-only quantization (an empty activation plan). */
  activations?: ActivationOptions | false;
}

/** A validated side (weights or activations): frozen args and a factory of fresh observers. */
export interface ResolvedSide {
  readonly args: QuantArgs;
  readonly observer: string;
  readonly observerOptions: Record<string, unknown>;
}

export interface StaticQuantConfig {
  readonly weights: ResolvedSide | false;
  readonly activations: ResolvedSide | false;
}

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

/** quantArgs with its BAD_ARGS message prefixed by where it came from. */
function sideArgs(where: string, input: QuantArgsInput): QuantArgs {
  try {
    return quantArgs(input);
  } catch (e) {
    if (isLowbitError(e)) bad(`staticQuant ${where}: ${e.message}`);
    throw e;
  }
}

function checkKeys(where: string, given: object, allowed: readonly string[]): void {
  const unknown = Object.keys(given).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    bad(`staticQuant ${where}: unknown option "${unknown[0]}"; use ${allowed.join(', ')}.`);
}

/** Checks the observer name (listing the valid ones) and that it accepts `args` and its options. */
function checkObserver(where: string, side: ResolvedSide): void {
  if (typeof side.observer !== 'string' || !observerNames().includes(side.observer)) {
    bad(
      `staticQuant ${where}.observer "${side.observer}" is unknown; use one of ${observerNames().join(', ')}.`,
    );
  }
  createObserver(side.observer, { ...side.observerOptions, args: side.args }).reset();
}

function weightSide(options: WeightOptions): ResolvedSide {
  checkKeys('weights', options, ['bits', 'granularity', 'symmetric', 'observer', 'observerOptions']);
  const {
    bits = 8,
    granularity = 'channel',
    symmetric = true,
    observer = 'minmax',
    observerOptions = {},
  } = options;
  if (granularity !== 'channel' && granularity !== 'tensor') {
    bad(`staticQuant weights.granularity "${granularity}" is unknown; use 'channel' or 'tensor'.`);
  }
  const args = sideArgs('weights', {
    bits,
    symmetric,
    granularity: granularity === 'channel' ? perChannel(0) : perTensor(),
  });
  const side = { args, observer, observerOptions };
  checkObserver('weights', side);
  return side;
}

function activationSide(options: ActivationOptions): ResolvedSide {
  checkKeys('activations', options, ['bits', 'symmetric', 'observer', 'observerOptions']);
  const { bits = 8, symmetric = false, observer = 'minmax', observerOptions = {} } = options;
  const side = { args: sideArgs('activations', { bits, symmetric }), observer, observerOptions };
  checkObserver('activations', side);
  return side;
}

/** Fills defaults and validates the options, throwing BAD_ARGS that names the fix. */
export function staticQuantConfig(options: StaticQuantOptions = {}): StaticQuantConfig {
  checkKeys('options', options, ['weights', 'activations']);
  const { weights = {}, activations = {} } = options;
  if (weights === false && activations === false) {
    bad('staticQuant with weights: false and activations: false does nothing; enable at least one.');
  }
  return Object.freeze({
    weights: weights === false ? false : weightSide(weights),
    activations: activations === false ? false : activationSide(activations),
  });
}
