import type { QParams } from '@lowbit/core-tensor';
import { searchHistogramRange } from './histogram-search';
import { RunningHistogramObserver, type RunningHistogramOptions } from './running-histogram-observer';

export type HistogramObserverOptions = RunningHistogramOptions;

/**
 * PyTorch's HistogramObserver (per-tensor): a running histogram of the values, then the
 * [min, max] sub-range that minimises the estimated L2 quantization error with 2^bits levels.
 */
export class HistogramObserver extends RunningHistogramObserver {
  readonly name: string = 'HistogramObserver';

  constructor(options: HistogramObserverOptions = {}) {
    super('HistogramObserver', options);
  }

  compute(): QParams {
    const h = this.histogram;
    if (h.isEmpty) throw this.notUpdated();
    // PyTorch sizes the target grid by the dtype's bits (256 levels for quint8), ignoring reduce_range.
    const { startBin, endBin } = searchHistogramRange(h.counts, 2 ** this.args.bits);
    const binWidth = (h.max - h.min) / h.bins;
    return this.qparamsOf(h.min + binWidth * startBin, h.min + binWidth * (endBin + 1));
  }
}
