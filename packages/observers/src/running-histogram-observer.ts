import type { tf } from '@lowbit/core-tensor';
import { dataRange } from './data-range';
import {
  ObserverBase,
  type ObserverOptions,
  requireInteger,
  requirePerTensor,
  resolveArgs,
} from './observer';
import { RunningHistogram } from './running-histogram';

export interface RunningHistogramOptions extends ObserverOptions {
  /** Histogram bins (default 2048, as PyTorch). */
  bins?: number;
  /** Sub-bins per bin when an old histogram is re-binned onto a wider range (default 128, as PyTorch). */
  upsampleRate?: number;
}

/** A per-tensor observer that keeps a running histogram of every value it sees. */
export abstract class RunningHistogramObserver extends ObserverBase {
  protected readonly histogram: RunningHistogram;

  protected constructor(name: string, options: RunningHistogramOptions) {
    super(resolveArgs(options.args));
    const { bins = 2048, upsampleRate = 128 } = options;
    requirePerTensor(name, this.args);
    requireInteger(name, 'bins', bins, 1);
    requireInteger(name, 'upsampleRate', upsampleRate, 1);
    this.histogram = new RunningHistogram(bins, upsampleRate);
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const values = x.dataSync();
    const { min, max } = dataRange(values);
    this.histogram.add(values, min, max);
  }

  reset(): void {
    this.histogram.reset();
  }
}
