export { adaroundLayer } from './adaround-layer';
export { type AdaroundModifierOptions, adaround } from './adaround-modifier';
export {
  ADAROUND_DEFAULTS,
  type AdaroundConfig,
  type AdaroundConfigInput,
  adaroundConfig,
  type BetaDecay,
  FLEXROUND_LEARNING_RATE,
  type InputMode,
  type RoundingMethod,
} from './config';
export { flexroundLayer } from './flexround-layer';
export type { LayerProblem, LayerResult } from './layer-problem';
export type { IterationCallback } from './optimize-loop';
export { type LayerApply, reconstructionLoss } from './reconstruction';
export { GAMMA, inverseRectifiedSigmoid, rectifiedSigmoid, ZETA } from './rectified-sigmoid';
export { type BetaPoint, type BetaScheduleOptions, betaSchedule, roundingRegularizer } from './regularizer';
export { weightArgs } from './weight-grid';
