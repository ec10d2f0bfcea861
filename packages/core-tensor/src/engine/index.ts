export type { AttentionDims, DenseEngine, EngineName, MatMulDims } from './dense-engine';
export { loadOnnxruntimeBinding } from './onnxruntime-binding';
export { onnxruntimeEngine } from './onnxruntime-engine';
export {
  denseEngine,
  type EngineInfo,
  type EngineOptions,
  engineInfo,
  initEngine,
} from './select-engine';
export { type DenseWeight, denseAttention, denseGram, denseLinear, denseMatMul } from './tensor-ops';
export { tfjsEngine } from './tfjs-engine';
