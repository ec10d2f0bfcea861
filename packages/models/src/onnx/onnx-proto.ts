// onnx-proto is CommonJS whose exports Node's ESM loader cannot import by name, so the value comes
// through the default export; the namespace below re-exposes the message types lowbit uses.

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

export const onnx: typeof OnnxTypes = onnxProto.onnx;

export declare namespace onnx {
  type ModelProto = OnnxTypes.ModelProto;
  type GraphProto = OnnxTypes.GraphProto;
  type NodeProto = OnnxTypes.NodeProto;
  type TensorProto = OnnxTypes.TensorProto;
  type AttributeProto = OnnxTypes.AttributeProto;
  type ValueInfoProto = OnnxTypes.ValueInfoProto;
  type IModelProto = OnnxTypes.IModelProto;
  type IGraphProto = OnnxTypes.IGraphProto;
  type INodeProto = OnnxTypes.INodeProto;
  type ITensorProto = OnnxTypes.ITensorProto;
  type IAttributeProto = OnnxTypes.IAttributeProto;
  type IValueInfoProto = OnnxTypes.IValueInfoProto;
}
