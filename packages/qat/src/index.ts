export { lsqFakeQuantize } from '@lowbit/core-tensor';
export { ActivationRangeQuantizer } from './activation-quantizer';
export {
  type ActivationQatConfig,
  type ActivationQatOptions,
  type ActivationRangeMode,
  type QatConfig,
  type QatOptions,
  qatConfig,
  type WeightQatConfig,
  type WeightQatOptions,
  type WeightQuantizerKind,
  type WeightScaleInit,
} from './config';
export { type ConvertedQat, convertQat } from './convert';
export type { ImageData } from './data';
export { evaluateQat, type QatEvaluation } from './evaluate';
export { type FreezeState, freezeStateAt, freezeStep } from './freeze';
export { softmaxCrossEntropy } from './loss';
export { type LsqPlusOptions, lsqGradScale, lsqPlusFakeQuantize, roundSte, scaleGradient } from './lsq';
export { type PrepareQatOptions, prepareQat, type QatForwardOptions, QatModel } from './qat-model';
export { type LearningRateSchedule, learningRateAt } from './schedule';
export { type QatEpoch, type QatHistory, shuffledIndices, type TrainQatOptions, trainQat } from './train';
export { createWeightQuantizer, type WeightQuantizer } from './weight-quantizer';
