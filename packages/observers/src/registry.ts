import { LowbitError } from '@lowbit/core-tensor';
import { EntropyObserver, type EntropyObserverOptions } from './entropy-observer';
import { HistogramObserver, type HistogramObserverOptions } from './histogram-observer';
import { MinMaxObserver } from './min-max-observer';
import {
  MovingAverageMinMaxObserver,
  type MovingAverageObserverOptions,
} from './moving-average-min-max-observer';
import {
  MovingAveragePerChannelMinMaxObserver,
  type MovingAveragePerChannelObserverOptions,
} from './moving-average-per-channel-min-max-observer';
import { MseObserver, type MseObserverOptions } from './mse-observer';
import type { Observer, ObserverOptions } from './observer';
import { PerChannelMinMaxObserver, type PerChannelObserverOptions } from './per-channel-min-max-observer';
import { PercentileObserver, type PercentileObserverOptions } from './percentile-observer';

/** Options of each built-in observer, by registry name. */
export interface BuiltinObserverOptions {
  minmax: ObserverOptions;
  'moving-average-minmax': MovingAverageObserverOptions;
  'per-channel-minmax': PerChannelObserverOptions;
  'moving-average-per-channel-minmax': MovingAveragePerChannelObserverOptions;
  histogram: HistogramObserverOptions;
  entropy: EntropyObserverOptions;
  percentile: PercentileObserverOptions;
  mse: MseObserverOptions;
}

export type BuiltinObserverName = keyof BuiltinObserverOptions;

/** Builds an observer from options; custom factories read their own extra fields. */
export type ObserverFactory = (options: ObserverOptions & Record<string, unknown>) => Observer;

const factories = new Map<string, ObserverFactory>([
  ['minmax', (o) => new MinMaxObserver(o)],
  ['moving-average-minmax', (o) => new MovingAverageMinMaxObserver(o)],
  ['per-channel-minmax', (o) => new PerChannelMinMaxObserver(o)],
  ['moving-average-per-channel-minmax', (o) => new MovingAveragePerChannelMinMaxObserver(o)],
  ['histogram', (o) => new HistogramObserver(o)],
  ['entropy', (o) => new EntropyObserver(o)],
  ['percentile', (o) => new PercentileObserver(o)],
  ['mse', (o) => new MseObserver(o)],
]);

/** Registered observer names, built-ins first. */
export function observerNames(): string[] {
  return [...factories.keys()];
}

/** Adds an observer under `name`; a name can be registered once. */
export function registerObserver(name: string, factory: ObserverFactory): void {
  if (!name || factories.has(name)) {
    throw new LowbitError(
      'BAD_ARGS',
      `Observer name "${name}" is empty or already registered; choose a new name (taken: ${observerNames().join(', ')}).`,
    );
  }
  factories.set(name, factory);
}

/** A new observer by registry name; unknown names throw BAD_ARGS listing the registered ones. */
export function createObserver<N extends BuiltinObserverName>(
  name: N,
  options?: BuiltinObserverOptions[N],
): Observer;
export function createObserver(name: string, options?: ObserverOptions & Record<string, unknown>): Observer;
export function createObserver(
  name: string,
  options: ObserverOptions & Record<string, unknown> = {},
): Observer {
  const factory = factories.get(name);
  if (!factory) {
    throw new LowbitError(
      'BAD_ARGS',
      `Unknown observer "${name}"; use one of ${observerNames().join(', ')}.`,
    );
  }
  return factory(options);
}
