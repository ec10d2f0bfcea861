import {
  MovingAverageMinMaxObserver,
  type MovingAverageObserverOptions,
} from './moving-average-min-max-observer';
import { type PerChannelObserverOptions, perChannelArgs } from './per-channel-min-max-observer';

export type MovingAveragePerChannelObserverOptions = MovingAverageObserverOptions & PerChannelObserverOptions;

/** PyTorch's MovingAveragePerChannelMinMaxObserver: the moving-average update, per channel. */
export class MovingAveragePerChannelMinMaxObserver extends MovingAverageMinMaxObserver {
  override readonly name: string = 'MovingAveragePerChannelMinMaxObserver';

  constructor(options: MovingAveragePerChannelObserverOptions = {}) {
    super({ ...options, args: perChannelArgs(options) });
  }
}
