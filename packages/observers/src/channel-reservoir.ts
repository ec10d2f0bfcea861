import { mulberry32 } from '@lowbit/core-tensor';

/**
 * A uniform random sample of at most `capacity` values per channel (Vitter's algorithm R), plus
 * every channel's exact minimum and maximum. Values arrive in row-major order; the channel of
 * flat index i is floor(i / inner) mod channels.
 */
export class ChannelReservoir {
  channels = 0;
  private seen = new Float64Array(0);
  /** Row-major [channels, stride]; the stride grows with the sample, up to `capacity`. */
  private samples = new Float32Array(0);
  private stride = 0;
  private mins = new Float64Array(0);
  private maxs = new Float64Array(0);
  private random: () => number;

  constructor(
    readonly capacity: number,
    private readonly seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  get isEmpty(): boolean {
    return this.channels === 0;
  }

  /** Sampled values per channel (every channel has seen the same number of values). */
  get filled(): number {
    return Math.min(this.seen[0] ?? 0, this.capacity);
  }

  add(values: ArrayLike<number>, channels: number, inner: number): void {
    if (this.isEmpty) this.allocate(channels);
    this.growTo(Math.min(this.capacity, (this.seen[0] ?? 0) + values.length / channels));
    for (let i = 0; i < values.length; i++) {
      const channel = Math.floor(i / inner) % channels;
      const v = values[i];
      if (v < this.mins[channel]) this.mins[channel] = v;
      if (v > this.maxs[channel]) this.maxs[channel] = v;
      const slot = this.slotFor(this.seen[channel]++);
      if (slot >= 0) this.samples[channel * this.stride + slot] = v;
    }
  }

  /** True once some value has been left out of the sample. */
  get isSampled(): boolean {
    return (this.seen[0] ?? 0) > this.capacity;
  }

  /**
   * Row-major [channels, width]: each channel's sample, followed by its exact min and max once
   * values have been left out (while everything fits, the sample already holds them).
   */
  rows(): Float32Array {
    const extra = this.isSampled ? 2 : 0;
    const width = this.filled + extra;
    const out = new Float32Array(this.channels * width);
    for (let c = 0; c < this.channels; c++) {
      out.set(this.samples.subarray(c * this.stride, c * this.stride + this.filled), c * width);
      if (extra) out.set([this.mins[c], this.maxs[c]], c * width + this.filled);
    }
    return out;
  }

  reset(): void {
    this.channels = 0;
    this.seen = new Float64Array(0);
    this.samples = new Float32Array(0);
    this.stride = 0;
    this.mins = new Float64Array(0);
    this.maxs = new Float64Array(0);
    this.random = mulberry32(this.seed);
  }

  /** Algorithm R: the n-th value (0-based) fills a free slot, else replaces slot j < capacity, j uniform in [0, n]. */
  private slotFor(n: number): number {
    if (n < this.capacity) return n;
    const j = Math.floor(this.random() * (n + 1));
    return j < this.capacity ? j : -1;
  }

  private allocate(channels: number): void {
    this.channels = channels;
    this.seen = new Float64Array(channels);
    this.mins = new Float64Array(channels).fill(Number.POSITIVE_INFINITY);
    this.maxs = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  }

  /** Widens every channel's row to hold `width` values (doubling, so copies stay amortised). */
  private growTo(width: number): void {
    if (width <= this.stride) return;
    const stride = Math.min(this.capacity, Math.max(Math.ceil(width), 2 * this.stride));
    const samples = new Float32Array(this.channels * stride);
    for (let c = 0; c < this.channels; c++) {
      samples.set(this.samples.subarray(c * this.stride, c * this.stride + this.filled), c * stride);
    }
    this.samples = samples;
    this.stride = stride;
  }
}
