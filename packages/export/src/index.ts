export type { OverwriteOptions } from '@lowbit/core-tensor';
export { fromFloat16Bits, toFloat16Bits } from '@lowbit/core-tensor';
export { type AwqTensors, decodeAwq, encodeAwq } from './awq/awq-tensors';
export { AWQ_QUANT_CONFIG_FILE, type AwqQuantConfig } from './awq/config-files';
export { AWQ_ORDER, packAwq, unpackAwq } from './awq/pack';
export { type AwqCheckpoint, readAwqCheckpoint } from './awq/read';
export { type AwqCheckpointOptions, writeAwqCheckpoint } from './awq/write';
export type { GptqQuantizeConfig } from './gptq/config-files';
export type { GptqFormat } from './gptq/gptq-tensors';
export { packQweight, packQzeros, unpackQweight, unpackQzeros } from './gptq/pack';
export { type GptqCheckpoint, readGptqCheckpoint } from './gptq/read';
export { type GptqCheckpointOptions, writeGptqCheckpoint } from './gptq/write';
export {
  type ExportLlamaOnnxQdqOptions,
  exportLlamaOnnxDynamic,
  exportLlamaOnnxQdq,
} from './onnx/export-int8';
export {
  type ExportLlamaOnnxOptions,
  type ExportOnnxOptions,
  exportLlamaOnnx,
  exportLlamaOnnxFloat,
} from './onnx/export-llama';
export type { AccuracyLevel } from './onnx/linears';
export {
  MATMUL_NBITS_BITS,
  MATMUL_NBITS_BLOCK_SIZES,
  MATMUL_NBITS_FLOAT_ZERO_BITS,
  type MatMulNBitsWeights,
  matMulNBitsWeights,
} from './onnx/matmul-nbits';
export { onnxDecoderBytes, onnxInitializerBytes, onnxSizeRatio } from './onnx/size';
export type {
  ActivationQParams,
  StaticActivationPlan,
  StaticActivations,
} from './onnx/static-activations';
export {
  type ExportOnnxQdqOptions,
  exportOnnxQdq,
  type OnnxQdqExport,
  type OnnxQdqSummary,
} from './onnx-qdq/export-onnx-qdq';
export type { QdqType } from './onnx-qdq/qdq-type';
