import { LowbitError, type QParams } from '@lowbit/core-tensor';
import { RunningHistogramObserver, type RunningHistogramOptions } from './running-histogram-observer';

export interface PercentileObserverOptions extends RunningHistogramOptions {
  /** Percentile p in (50, 100]: the range is [(100 − p)th, pth] percentile (default 99.99). */
  percentile?: number;
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
export class PercentileObserver extends RunningHistogramObserver {
  readonly name: string = 'PercentileObserver';
  readonly percentile: number;

  constructor(options: PercentileObserverOptions = {}) {
    super('PercentileObserver', options);
    this.percentile = validatePercentile(this.name, options.percentile ?? 99.99);
  }

  compute(): QParams {
    if (this.histogram.isEmpty) throw this.notUpdated();
    const q = this.percentile / 100;
    return this.qparamsOf(this.histogram.quantile(1 - q), this.histogram.quantile(q));
  }
}
