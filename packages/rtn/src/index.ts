export { defaultRtnConfig, type RtnConfig, type RtnConfigInput, type RtnType, rtnConfig } from './config';
export {
  DOUBLE_QUANT_BLOCK,
  type DoubleQuantState,
  dequantizeDoubleQuant,
  doubleQuantize,
  doubleQuantSizeBytes,
} from './double-quant';
export { createDynamicMap } from './dynamic-map';
export { rtnQuantizeTensor } from './quantize-tensor';
export { type NamedWeights, rtnQuantizeWeights } from './quantize-weights';
export { quantizedShape, rtnQuantArgs } from './rtn-args';
export { type RtnModifierOptions, rtn } from './rtn-modifier';
export { type RtnResult, relativeError, rtnDequantize, rtnSizeBytes } from './rtn-result';
