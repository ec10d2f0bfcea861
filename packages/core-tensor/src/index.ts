export {
  type ActivationQParams,
  fakeQuantizePerTensor,
  fakeQuantizePerToken,
  scalarQParams,
} from './activation-fake-quantize';
export {
  type ActivationQuantizer,
  type ActivationQuantPlan,
  withActivationQuantization,
} from './activation-quantization';
export { ArrayTarget } from './array-target';
export {
  assertWritable,
  bytesFile,
  type OutputFile,
  type OverwriteOptions,
  type WritableOptions,
  writeAll,
  writeDirAtomic,
  writeFileAtomic,
  writeFilesAtomic,
} from './atomic-write';
export {
  type BackendInfo,
  type BackendName,
  currentBackend,
  type InitBackendOptions,
  initBackend,
} from './backend';
export { type ClipSearchOptions, groupQuantError, searchClipQParams } from './clip-search';
export { dataPath, dataRoot, testDataPath } from './data-path';
export * from './engine';
export { isLowbitError, LowbitError, type LowbitErrorCode } from './errors';
export { fakeQuantize, type LsqOptions, lsqFakeQuantize } from './fake-quantize';
export { fromFloat16Array, fromFloat16Bits, toFloat16Array, toFloat16Bits } from './fp16';
export {
  describeGranularity,
  type Granularity,
  type GroupLayout,
  groupLayout,
  perChannel,
  perGroup,
  perTensor,
} from './granularity';
export { type GroupReduction, reduceGroups } from './group-reduce';
export * from './linalg';
export {
  allTargets,
  type BatchNormSite,
  type BiasAccess,
  type Block,
  type CaptureFn,
  captureInputs,
  type ForwardOptions,
  forwardModel,
  type Mapping,
  type ParameterFn,
  type ParameterRole,
  type QuantModel,
  type QuantTarget,
  type StagedForward,
  stagedForward,
  type TargetKind,
} from './model';
export type { Modifier, ModifierContext, ModifierReport, Recipe, TargetReport } from './modifier';
export { type PackBits, packInt32, packNibbles, unpackInt32, unpackNibbles } from './packing';
export { type PipelineOptions, runRecipe } from './pipeline';
export type { ProgressCallback, ProgressEvent, ProgressOptions } from './progress';
export { chooseQParams, disposeQParams, type QParams, qparamsFromRange } from './qparams';
export {
  codeRange,
  FLOAT32_EPS,
  type QuantArgs,
  type QuantArgsInput,
  quantArgs,
  type ValueType,
} from './quant-args';
export { dequantize, type QuantizeOptions, quantize } from './quantize';
export { QuantizedTensor, type QuantizedTensorRecord } from './quantized-tensor';
export { mulberry32 } from './random';
export { type Tensor, tf } from './tf';
export { assertFinite, assertWeightMatrix, nonFiniteCount } from './validate';
export { NF4_VALUES, type TableValueType, type ValueTable, valueTable } from './value-types';
