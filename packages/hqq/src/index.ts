export { type HqqConfig, type HqqConfigInput, hqqConfig } from './config';
export { hqqQuantArgs } from './hqq-args';
export {
  meanAbsError,
  optimizeZeroPoint,
  proximalStep,
  roundTrip,
  type SolverOptions,
  shrinkLp,
  type ZeroPointSolution,
} from './hqq-math';
export { type HqqModifierOptions, hqq } from './hqq-modifier';
export { type HqqResult, relativeError } from './hqq-result';
export { hqqQuantizeTensor } from './quantize-tensor';
export { createZeroPointProblem, disposeZeroPointProblem, type ZeroPointProblem } from './zero-point-problem';
