export { ChannelMean, correctedBias } from './bias-correction-math';
export {
  type BiasCorrected,
  type BiasCorrectionOptions,
  withBiasCorrection,
} from './bias-correction-modifier';
export { type EqualizeCrossLayerOptions, equalizeCrossLayer } from './equalize-cross-layer-modifier';
export {
  equalizationScales,
  inputChannelRanges,
  outputChannelRanges,
  scaleInputChannels,
} from './equalize-math';
export { type BatchNormParams, batchNormScale, foldBatchNorm } from './fold-batch-norm';
export { foldBatchNorms } from './fold-batch-norms-modifier';
export type { TransformReport } from './report';
