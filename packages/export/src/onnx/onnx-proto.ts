// onnx-proto is CommonJS whose exports Node's ESM loader cannot import by name, so the value comes
// through the default export; the namespace below re-exposes the message types used here.

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

export const onnx: typeof OnnxTypes = onnxProto.onnx;

export declare namespace onnx {
  type ModelProto = OnnxTypes.ModelProto;
  type TensorProto = OnnxTypes.TensorProto;
  type ITensorProto = OnnxTypes.ITensorProto;
  type INodeProto = OnnxTypes.INodeProto;
  type IAttributeProto = OnnxTypes.IAttributeProto;
  type IValueInfoProto = OnnxTypes.IValueInfoProto;
}
