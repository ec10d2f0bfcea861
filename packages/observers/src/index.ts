export { calibrateInputs } from './calibrate-inputs';
export { EntropyObserver, type EntropyObserverOptions } from './entropy-observer';
export { HistogramObserver, type HistogramObserverOptions } from './histogram-observer';
export { MinMaxObserver } from './min-max-observer';
export {
  MovingAverageMinMaxObserver,
  type MovingAverageObserverOptions,
} from './moving-average-min-max-observer';
export {
  MovingAveragePerChannelMinMaxObserver,
  type MovingAveragePerChannelObserverOptions,
} from './moving-average-per-channel-min-max-observer';
export { MseObserver, type MseObserverOptions } from './mse-observer';
export { type Observer, ObserverBase, type ObserverOptions } from './observer';
export { PerChannelMinMaxObserver, type PerChannelObserverOptions } from './per-channel-min-max-observer';
export { PercentileObserver, type PercentileObserverOptions } from './percentile-observer';
export {
  type BuiltinObserverName,
  type BuiltinObserverOptions,
  createObserver,
  type ObserverFactory,
  observerNames,
  registerObserver,
} from './registry';
