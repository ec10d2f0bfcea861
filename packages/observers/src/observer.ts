import {
  assertFinite,
  LowbitError,
  type QParams,
  type QuantArgs,
  type QuantArgsInput,
  qparamsFromRange,
  quantArgs,
  tf,
} from '@lowbit/core-tensor';

/** Collects range statistics of calibration tensors and turns them into quantization parameters. */
export interface Observer {
  /** Class name, used in error messages. */
  readonly name: string;
  readonly args: QuantArgs;
  /** Folds a batch into the statistics; x stays owned by the caller. */
  update(x: tf.Tensor): void;
  /** Scale and zero point in the granularity's paramShape; the caller disposes them. */
  compute(): QParams;
  /** Forgets every update and frees the observer's tensors. */
  reset(): void;
}

export interface ObserverOptions {
  /** Quantization arguments (default: PyTorch's quint8, asymmetric per-tensor). */
  args?: QuantArgsInput | QuantArgs;
}

/** Validated args: `defaults` < the user's `args`. */
export function resolveArgs(
  args: QuantArgsInput | QuantArgs | undefined,
  defaults: QuantArgsInput = {},
): QuantArgs {
  return quantArgs({ ...defaults, ...args });
}

/** Throws BAD_ARGS unless `args` are per-tensor (histogram-based observers keep one histogram). */
export function requirePerTensor(name: string, args: QuantArgs): void {
  if (args.granularity.kind !== 'tensor') {
    throw new LowbitError(
      'BAD_ARGS',
      `${name} supports per-tensor granularity only; drop args.granularity or use PerChannelMinMaxObserver.`,
    );
  }
}

/** Throws BAD_ARGS unless `value` is an integer ≥ `least`. */
export function requireInteger(name: string, option: string, value: number, least: number): void {
  if (!Number.isInteger(value) || value < least) {
    throw new LowbitError('BAD_ARGS', `${name}: ${option} is ${value}; use an integer ≥ ${least}.`);
  }
}

/** Shared input validation and the "not calibrated yet" error. */
export abstract class ObserverBase implements Observer {
  abstract readonly name: string;
  readonly args: QuantArgs;

  constructor(args: QuantArgs) {
    this.args = args;
  }

  abstract update(x: tf.Tensor): void;
  abstract compute(): QParams;
  abstract reset(): void;

  /** Throws BAD_TENSOR naming this observer when x is empty or holds NaN/Inf. */
  protected checkInput(x: tf.Tensor): void {
    assertFinite(x, `${this.name} input`);
  }

  protected notUpdated(): LowbitError {
    return new LowbitError(
      'NOT_READY',
      `${this.name}.compute() was called before any data was observed; call update(x) with calibration data first.`,
    );
  }

  /** qparams of the scalar range [min, max]. */
  protected qparamsOf(min: number, max: number): QParams {
    return tf.tidy(() => qparamsFromRange(tf.scalar(min), tf.scalar(max), this.args));
  }
}
