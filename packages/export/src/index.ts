export type { OverwriteOptions } from '@lowbit/core-tensor';
export { fromFloat16Bits, toFloat16Bits } from '@lowbit/core-tensor';
export type { GptqQuantizeConfig } from './gptq/config-files';
export type { GptqFormat } from './gptq/gptq-tensors';
export { packQweight, packQzeros, unpackQweight, unpackQzeros } from './gptq/pack';
export { type GptqCheckpoint, readGptqCheckpoint } from './gptq/read';
export { type GptqCheckpointOptions, writeGptqCheckpoint } from './gptq/write';
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
  type MatMulNBitsWeights,
  matMulNBitsWeights,
} from './onnx/matmul-nbits';
export { onnxDecoderBytes, onnxInitializerBytes, onnxSizeRatio } from './onnx/size';
