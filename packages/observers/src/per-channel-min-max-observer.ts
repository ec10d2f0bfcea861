import { perChannel, type QuantArgs } from '@lowbit/core-tensor';
import { MinMaxObserver } from './min-max-observer';
import { type ObserverOptions, resolveArgs } from './observer';

export interface PerChannelObserverOptions extends ObserverOptions {
  /** Channel axis; default the axis of a per-channel `args.granularity`, else 0. */
  axis?: number;
}

/** `options.args` with per-channel granularity along the chosen axis. */
export function perChannelArgs(options: PerChannelObserverOptions): QuantArgs {
  const given = options.args?.granularity;
  const axis = options.axis ?? (given?.kind === 'channel' ? given.axis : 0);
  return resolveArgs({ ...options.args, granularity: perChannel(axis) });
}

/** PyTorch's PerChannelMinMaxObserver: running min/max of every slice along the channel axis. */
export class PerChannelMinMaxObserver extends MinMaxObserver {
  override readonly name: string = 'PerChannelMinMaxObserver';

  constructor(options: PerChannelObserverOptions = {}) {
    super({ args: perChannelArgs(options) });
  }
}
