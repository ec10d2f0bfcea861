export { OnnxAttributes, type OnnxAttributeValue } from './attributes';
export { type OnnxGraph, type OnnxNode, type OnnxValueInfo, readOnnxGraph } from './graph';
export { type LoadOnnxModelOptions, loadOnnxModel, type OnnxModel } from './onnx-model';
export { onnx } from './onnx-proto';
export { OnnxTarget } from './onnx-target';
export { SUPPORTED_ONNX_OPS } from './ops/registry';
export { currentModelProto, onnxModelBytes, type SaveOnnxModelOptions, saveOnnxModel } from './save';
export type { OnnxTensor } from './tensor';
export { OnnxWeight } from './weights';
