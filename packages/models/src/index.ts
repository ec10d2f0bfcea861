export * from './data/index';
export * from './layers/index';
export * from './llama/index';
export * from './onnx/index';
export * from './safetensors/index';
export * from './text/index';
