/**
 * A fixed-bin histogram over [min, max] that widens as data arrives, as PyTorch's HistogramObserver
 * merges histograms: when the range grows, every old bin is split into `upsampleRate` equal
 * sub-bins whose mid-points are re-binned into the new range (`_upscale_histogram`), then the new
 * values are counted on the new range (torch.histc semantics: the last bin is closed).
 */
export class RunningHistogram {
  readonly counts: Float64Array;
  min = 0;
  max = 0;
  total = 0;

  constructor(
    readonly bins: number,
    readonly upsampleRate: number,
  ) {
    this.counts = new Float64Array(bins);
  }

  get isEmpty(): boolean {
    return this.total === 0;
  }

  /** Counts `values`, all of which lie in [lo, hi]; the range becomes the union with [lo, hi]. */
  add(values: ArrayLike<number>, lo: number, hi: number): void {
    if (this.isEmpty) {
      this.min = lo;
      this.max = hi;
    } else if (lo < this.min || hi > this.max) {
      this.rebin(Math.min(lo, this.min), Math.max(hi, this.max));
    }
    for (let i = 0; i < values.length; i++) this.counts[this.binOf(values[i])]++;
    this.total += values.length;
  }

  /** Bin of v on the current range; a zero-width range has everything in bin 0. */
  binOf(v: number): number {
    const width = this.max - this.min;
    if (!(width > 0)) return 0;
    const bin = Math.floor(((v - this.min) / width) * this.bins);
    return Math.min(this.bins - 1, Math.max(0, bin));
  }

  /**
   * The q-quantile (q in [0, 1]) of the counted values, interpolating linearly inside the bin where
   * the cumulative count reaches q · total; exact to within one bin width.
   */
  quantile(q: number): number {
    const target = q * this.total;
    const width = (this.max - this.min) / this.bins;
    let below = 0;
    for (let b = 0; b < this.bins; b++) {
      const count = this.counts[b];
      if (count > 0 && below + count >= target) {
        return this.min + (b + Math.max(0, target - below) / count) * width;
      }
      below += count;
    }
    return this.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.min = 0;
    this.max = 0;
    this.total = 0;
  }

  private rebin(min: number, max: number): void {
    const old = Float64Array.from(this.counts);
    const oldMin = this.min;
    const subWidth = (this.max - this.min) / (this.bins * this.upsampleRate);
    this.min = min;
    this.max = max;
    this.counts.fill(0);
    for (let b = 0; b < this.bins; b++) {
      if (old[b] === 0) continue;
      const share = old[b] / this.upsampleRate;
      for (let s = 0; s < this.upsampleRate; s++) {
        const midpoint = oldMin + (b * this.upsampleRate + s + 0.5) * subWidth;
        this.counts[this.binOf(midpoint)] += share;
      }
    }
  }
}
