import { LowbitError, tf } from '@lowbit/core-tensor';
import { MinMaxObserver } from './min-max-observer';
import type { ObserverOptions } from './observer';

export interface MovingAverageObserverOptions extends ObserverOptions {
  /** Weight c of each new batch: running += c · (batch − running) (default 0.01, as PyTorch). */
  averagingConstant?: number;
}

function validateConstant(name: string, c: number): number {
  if (!(c > 0 && c <= 1)) {
    throw new LowbitError(
      'BAD_ARGS',
      `${name}: averagingConstant is ${c}; use a number in (0, 1], e.g. 0.01.`,
    );
  }
  return c;
}

/**
 * PyTorch's MovingAverageMinMaxObserver: the first batch sets min/max, later batches move them by
 * min += c · (batchMin − min) and max += c · (batchMax − max), in float32.
 */
export class MovingAverageMinMaxObserver extends MinMaxObserver {
  override readonly name: string = 'MovingAverageMinMaxObserver';
  readonly averagingConstant: number;

  constructor(options: MovingAverageObserverOptions = {}) {
    super(options);
    this.averagingConstant = validateConstant(
      'MovingAverageMinMaxObserver',
      options.averagingConstant ?? 0.01,
    );
  }

  protected override combine(running: tf.Tensor, batch: tf.Tensor): tf.Tensor {
    return tf.add(running, tf.mul(tf.sub(batch, running), this.averagingConstant));
  }
}
