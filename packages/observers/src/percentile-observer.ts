import { LowbitError, type QParams, type tf } from '@lowbit/core-tensor';
import { dataRange } from './data-range';
import {
  ObserverBase,
  type ObserverOptions,
  requireInteger,
  requirePerTensor,
  resolveArgs,
} from './observer';
import { RunningHistogram } from './running-histogram';

export interface PercentileObserverOptions extends ObserverOptions {
  /** Percentile p in (50, 100]: the range is [(100 − p)th, pth] percentile (default 99.99). */
  percentile?: number;
  /** Bins of the running histogram the percentiles are read from (default 2048). */
  bins?: number;
  /** Sub-bins per bin when the histogram is re-binned onto a wider range (default 128). */
  upsampleRate?: number;
}

function validatePercentile(name: string, p: number): number {
  if (!(p > 50 && p <= 100)) {
    throw new LowbitError('BAD_ARGS', `${name}: percentile is ${p}; use a number in (50, 100], e.g. 99.99.`);
  }
  return p;
}

/**
 * Percentile calibration (per-tensor): the range runs from the (100 − p)th to the pth percentile
 * of all observed values, read from a running histogram (exact to one bin width) so memory stays
 * fixed however many batches are observed.
 */
export class PercentileObserver extends ObserverBase {
  readonly name: string = 'PercentileObserver';
  readonly percentile: number;
  private readonly histogram: RunningHistogram;

  constructor(options: PercentileObserverOptions = {}) {
    super(resolveArgs(options.args));
    const { percentile = 99.99, bins = 2048, upsampleRate = 128 } = options;
    requirePerTensor(this.name, this.args);
    requireInteger(this.name, 'bins', bins, 1);
    requireInteger(this.name, 'upsampleRate', upsampleRate, 1);
    this.percentile = validatePercentile(this.name, percentile);
    this.histogram = new RunningHistogram(bins, upsampleRate);
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const values = x.dataSync();
    const { min, max } = dataRange(values);
    this.histogram.add(values, min, max);
  }

  compute(): QParams {
    if (this.histogram.isEmpty) throw this.notUpdated();
    const q = this.percentile / 100;
    return this.qparamsOf(this.histogram.quantile(1 - q), this.histogram.quantile(q));
  }

  reset(): void {
    this.histogram.reset();
  }
}
