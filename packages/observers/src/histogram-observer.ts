import type { QParams, tf } from '@lowbit/core-tensor';
import { dataRange } from './data-range';
import { searchHistogramRange } from './histogram-search';
import {
  ObserverBase,
  type ObserverOptions,
  requireInteger,
  requirePerTensor,
  resolveArgs,
} from './observer';
import { RunningHistogram } from './running-histogram';

export interface HistogramObserverOptions extends ObserverOptions {
  /** Histogram bins (default 2048, as PyTorch). */
  bins?: number;
  /** Sub-bins per bin when an old histogram is re-binned onto a wider range (default 128, as PyTorch). */
  upsampleRate?: number;
}

/**
 * PyTorch's HistogramObserver (per-tensor): a running histogram of the values, then the
 * [min, max] sub-range that minimises the estimated L2 quantization error with 2^bits levels.
 */
export class HistogramObserver extends ObserverBase {
  readonly name: string = 'HistogramObserver';
  private readonly histogram: RunningHistogram;

  constructor(options: HistogramObserverOptions = {}) {
    super(resolveArgs(options.args));
    const { bins = 2048, upsampleRate = 128 } = options;
    requirePerTensor(this.name, this.args);
    requireInteger(this.name, 'bins', bins, 1);
    requireInteger(this.name, 'upsampleRate', upsampleRate, 1);
    this.histogram = new RunningHistogram(bins, upsampleRate);
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const values = x.dataSync();
    const { min, max } = dataRange(values);
    this.histogram.add(values, min, max);
  }

  compute(): QParams {
    const h = this.histogram;
    if (h.isEmpty) throw this.notUpdated();
    // PyTorch sizes the target grid by the dtype's bits (256 levels for quint8), ignoring reduce_range.
    const { startBin, endBin } = searchHistogramRange(h.counts, 2 ** this.args.bits);
    const binWidth = (h.max - h.min) / h.bins;
    return this.qparamsOf(h.min + binWidth * startBin, h.min + binWidth * (endBin + 1));
  }

  reset(): void {
    this.histogram.reset();
  }
}
