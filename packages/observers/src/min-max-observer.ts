import { LowbitError, type QParams, qparamsFromRange, reduceGroups, tf } from '@lowbit/core-tensor';
import { ObserverBase, type ObserverOptions, resolveArgs } from './observer';

type Side = 'min' | 'max';

/**
 * PyTorch's MinMaxObserver: the running minimum and maximum of every parameter group (any
 * granularity of `args`), turned into qparams with torch.ao's `_calculate_qparams`.
 */
export class MinMaxObserver extends ObserverBase {
  readonly name: string = 'MinMaxObserver';
  private range?: { min: tf.Tensor; max: tf.Tensor };

  constructor(options: ObserverOptions = {}) {
    super(resolveArgs(options.args));
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const batchMin = reduceGroups(x, this.args.granularity, 'min');
    const batchMax = reduceGroups(x, this.args.granularity, 'max');
    const running = this.range;
    // tf.keep: update may run inside a caller's tf.tidy (e.g. a pipeline modifier's observe).
    if (!running) {
      this.range = { min: tf.keep(batchMin), max: tf.keep(batchMax) };
      return;
    }
    if (!tf.util.arraysEqual(running.min.shape, batchMin.shape)) {
      tf.dispose([batchMin, batchMax]);
      throw this.shapeMismatch(running.min.shape, x.shape);
    }
    const next = tf.tidy(() => ({
      min: this.combine(running.min, batchMin, 'min'),
      max: this.combine(running.max, batchMax, 'max'),
    }));
    this.range = { min: tf.keep(next.min), max: tf.keep(next.max) };
    tf.dispose([running.min, running.max, batchMin, batchMax]);
  }

  /** Folds a batch statistic into the running one; here the running extreme. */
  protected combine(running: tf.Tensor, batch: tf.Tensor, side: Side): tf.Tensor {
    return side === 'min' ? tf.minimum(running, batch) : tf.maximum(running, batch);
  }

  compute(): QParams {
    if (!this.range) throw this.notUpdated();
    return qparamsFromRange(this.range.min, this.range.max, this.args);
  }

  reset(): void {
    if (this.range) tf.dispose([this.range.min, this.range.max]);
    this.range = undefined;
  }

  private shapeMismatch(paramShape: number[], shape: number[]): LowbitError {
    return new LowbitError(
      'BAD_TENSOR',
      `${this.name}: a tensor of shape [${shape}] does not match the parameter shape [${paramShape}] of earlier updates; observe tensors with the same channel count.`,
    );
  }
}
