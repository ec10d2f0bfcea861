import {
  type ClipSearchOptions,
  groupLayout,
  LowbitError,
  perChannel,
  type QParams,
  type QuantArgs,
  quantArgs,
  searchClipQParams,
  tf,
} from '@lowbit/core-tensor';
import { ChannelReservoir } from './channel-reservoir';
import { ObserverBase, type ObserverOptions, requireInteger, resolveArgs } from './observer';

export interface MseObserverOptions extends ObserverOptions, ClipSearchOptions {
  /** Values kept per channel (per-tensor: in total) for the search (default 65536). */
  sampleSize?: number;
  /** Seed of the sampler, for reproducible results (default 0). */
  seed?: number;
}

function validateSearch(name: string, { grid = 100, maxShrink = 0.8, norm = 2.4 }: ClipSearchOptions): void {
  requireInteger(name, 'grid', grid, 1);
  if (!(maxShrink >= 0 && maxShrink < 1)) {
    throw new LowbitError(
      'BAD_ARGS',
      `${name}: maxShrink is ${maxShrink}; use a number in [0, 1), e.g. 0.8.`,
    );
  }
  if (!(norm > 0)) {
    throw new LowbitError('BAD_ARGS', `${name}: norm is ${norm}; use a positive number, e.g. 2.4.`);
  }
}

/**
 * Lp-error calibration (per-tensor or per-channel): the clip ratio of the observed range that
 * minimises Σ|x − x̂|^p (p = 2.4 by default), found by core's `searchClipQParams` grid search.
 *
 * Several updates: the search needs the data itself, because its error depends on every value
 * and its candidate ranges on the final min/max. Keeping all batches would grow without bound, so
 * each channel keeps a uniform reservoir sample: exact while the data fit in `sampleSize`, after
 * that an unbiased estimate of the mean Lp error. Once sampling, the exact running min and max are
 * appended so the candidate ranges (and ratio 1 = MinMax) still span the true range; they then
 * weigh 1/sampleSize instead of 1/N, which errs toward clipping less than the full data would.
 */
export class MseObserver extends ObserverBase {
  readonly name: string = 'MseObserver';
  private readonly reservoir: ChannelReservoir;
  private readonly search: ClipSearchOptions;
  /** `args`, with per-channel granularity moved to axis 0 of the [channels, samples] sample. */
  private readonly searchArgs: QuantArgs;

  constructor(options: MseObserverOptions = {}) {
    super(resolveArgs(options.args));
    const { sampleSize = 65536, seed = 0, grid, maxShrink, norm } = options;
    const kind = this.args.granularity.kind;
    if (kind === 'group') {
      throw new LowbitError(
        'BAD_ARGS',
        `${this.name} supports per-tensor and per-channel granularity; for group-wise weights call searchClipQParams from @lowbit/core-tensor.`,
      );
    }
    requireInteger(this.name, 'sampleSize', sampleSize, 1);
    this.search = { grid, maxShrink, norm };
    validateSearch(this.name, this.search);
    this.reservoir = new ChannelReservoir(sampleSize, seed);
    this.searchArgs =
      kind === 'channel' ? quantArgs({ ...this.args, granularity: perChannel(0) }) : this.args;
  }

  update(x: tf.Tensor): void {
    this.checkInput(x);
    const { channels, inner } = this.channelView(x.shape);
    if (!this.reservoir.isEmpty && channels !== this.reservoir.channels) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${this.name}: a tensor of shape [${x.shape}] has ${channels} channels but earlier updates had ${this.reservoir.channels}; observe tensors with the same channel count.`,
      );
    }
    this.reservoir.add(x.dataSync(), channels, inner);
  }

  compute(): QParams {
    if (this.reservoir.isEmpty) throw this.notUpdated();
    const channels = this.reservoir.channels;
    const rows = this.reservoir.rows();
    const sample = tf.tensor2d(rows, [channels, rows.length / channels]);
    const { scale, zeroPoint, ratio } = searchClipQParams(sample, this.searchArgs, this.search, this.name);
    tf.dispose([sample, ratio]);
    return { scale, zeroPoint };
  }

  reset(): void {
    this.reservoir.reset();
  }

  /** Channels and the run length of each channel in row-major order; one channel per tensor. */
  private channelView(shape: number[]): { channels: number; inner: number } {
    const layout = groupLayout(shape, this.args.granularity);
    if (this.args.granularity.kind === 'tensor') return { channels: 1, inner: layout.length };
    return { channels: layout.length, inner: layout.inner };
  }
}
