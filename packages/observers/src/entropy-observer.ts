import { codeRange, type QParams, type tf } from '@lowbit/core-tensor';
import { dataRange } from './data-range';
import { klThresholdBins } from './kl-threshold';
import {
  ObserverBase,
  type ObserverOptions,
  requireInteger,
  requirePerTensor,
  resolveArgs,
} from './observer';
import { RunningHistogram } from './running-histogram';

export interface EntropyObserverOptions extends ObserverOptions {
  /** Bins of the |x| histogram (default 2048, as TensorRT). */
  bins?: number;
  /** Smallest candidate threshold, in bins (default 128, as TensorRT). */
  startBin?: number;
  /** Sub-bins per bin when the histogram is re-binned onto a wider range (default 128). */
  upsampleRate?: number;
}

/**
 * TensorRT's entropy calibration (per-tensor): a running histogram of |x| on [0, max|x|], and the
 * threshold T that minimises KL(P‖Q) between the clipped distribution and its quantized version
 * with 2^(bits−1) levels (one sign side; all 2^bits codes for non-negative data under asymmetric
 * args). Args default to symmetric (qint8); the range passed to
 * the qparams is the observed [min, max] clipped to [−T, T], so asymmetric args keep a one-sided
 * range one-sided.
 */
export class EntropyObserver extends ObserverBase {
  readonly name: string = 'EntropyObserver';
  private readonly histogram: RunningHistogram;
  private readonly startBin: number;
  private range = { min: 0, max: 0 };

  constructor(options: EntropyObserverOptions = {}) {
    super(resolveArgs(options.args, { symmetric: true }));
    const { bins = 2048, startBin = 128, upsampleRate = 128 } = options;
    requirePerTensor(this.name, this.args);
    requireInteger(this.name, 'bins', bins, 1);
    requireInteger(this.name, 'startBin', startBin, 1);
    requireInteger(this.name, 'upsampleRate', upsampleRate, 1);
    this.histogram = new RunningHistogram(bins, upsampleRate);
    this.startBin = startBin;
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const values = x.dataSync();
    const { min, max } = dataRange(values);
    const first = this.histogram.isEmpty;
    this.range = {
      min: first ? min : Math.min(min, this.range.min),
      max: first ? max : Math.max(max, this.range.max),
    };
    this.histogram.add(values.map(Math.abs), 0, Math.max(-min, max));
  }

  compute(): QParams {
    const h = this.histogram;
    if (h.isEmpty) throw this.notUpdated();
    const threshold = (klThresholdBins(h.counts, this.levels(), this.startBin) * h.max) / h.bins;
    return this.qparamsOf(Math.max(this.range.min, -threshold), Math.min(this.range.max, threshold));
  }

  reset(): void {
    this.histogram.reset();
    this.range = { min: 0, max: 0 };
  }

  /**
   * Quantization levels over [0, T]: one side of zero (128 for int8, 64 with reduceRange), or every
   * code (256 for uint8) when asymmetric args quantize non-negative data such as ReLU outputs.
   */
  private levels(): number {
    const { min, max } = codeRange(this.args);
    const oneSided = this.range.min >= 0 && !this.args.symmetric;
    return oneSided ? max - min + 1 : Math.floor((max - min + 1) / 2);
  }
}
