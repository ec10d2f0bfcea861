import { type OnnxModel, onnx, onnxModelBytes } from '@lowbit/models';

/**
 * The model's current float graph as a fresh proto: the original graph with every weight target's
 * current values written back (through models' onnxModelBytes, which also writes what the
 * adapter records beyond the weights, e.g. biases), for the QDQ rewrite to edit freely.
 */
export function floatModelProto(model: OnnxModel): onnx.ModelProto {
  return onnx.ModelProto.decode(onnxModelBytes(model));
}

const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  floatData: 4,
  int32Data: 4,
  int64Data: 8,
  doubleData: 8,
  uint64Data: 8,
};

/** Bytes an initializer stores: its raw data, or its typed values. */
export function tensorBytes(tensor: onnx.ITensorProto): number {
  if (tensor.rawData && tensor.rawData.length > 0) return tensor.rawData.length;
  let bytes = 0;
  for (const [field, size] of Object.entries(ELEMENT_BYTES)) {
    const values = (tensor as Record<string, unknown>)[field] as ArrayLike<unknown> | undefined;
    bytes += (values?.length ?? 0) * size;
  }
  return bytes;
}

/** Bytes of all initializers of a graph. */
export function initializerBytes(graph: onnx.IGraphProto): number {
  return (graph.initializer ?? []).reduce((sum, t) => sum + tensorBytes(t), 0);
}
