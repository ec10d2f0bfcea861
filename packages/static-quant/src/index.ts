export { calibrateActivations } from './calibrate-activations';
export {
  type ActivationOptions,
  type ResolvedSide,
  type StaticQuantConfig,
  type StaticQuantOptions,
  staticQuantConfig,
  type WeightOptions,
} from './config';
export {
  STATIC_QUANT_PRESETS,
  type StaticQuantPresetName,
  staticQuantPreset,
  W4A4,
  W4A8,
  W8A8,
} from './presets';
export { quantizeTarget, quantizeWeight, type WeightQuantization, weightMatrix } from './quantize-weight';
export { staticQuant } from './static-quant-modifier';
