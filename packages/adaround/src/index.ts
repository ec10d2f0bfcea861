export { adaroundLayer } from './adaround-layer';
export { type AdaroundModifierOptions, adaround } from './adaround-modifier';
export {
  ADAROUND_DEFAULTS,
  FLEXROUND_LEARNING_RATE,
  type AdaroundConfig,
  type AdaroundConfigInput,
  adaroundConfig,
  type BetaDecay,
  type InputMode,
  type RoundingMethod,
} from './config';
export { flexroundLayer } from './flexround-layer';
export type { LayerProblem, LayerResult } from './layer-problem';
export type { IterationCallback } from './optimize-loop';
export { GAMMA, inverseRectifiedSigmoid, rectifiedSigmoid, ZETA } from './rectified-sigmoid';
export { type LayerApply, reconstructionLoss } from './reconstruction';
export { type BetaPoint, type BetaScheduleOptions, betaSchedule, roundingRegularizer } from './regularizer';
export { weightArgs } from './weight-grid';
