import { mulberry32 } from '@lowbit/core-tensor';
// Builds small ONNX models with onnx-proto for the importer's tests.

import { onnx } from '../onnx-proto';

export type AttributeSpec =
  | number
  | number[]
  | string
  | { float: number }
  | { floats: number[] }
  | TensorSpec;

export interface TensorSpec {
  name: string;
  dims: number[];
  values: ArrayLike<number>;
  type?: 'float' | 'int64' | 'double';
  /** Where float values go (default raw_data). */
  storage?: 'raw' | 'float_data';
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeSpec>;
}

export interface GraphSpec {
  opset?: number;
  input: { name: string; dims: number[] };
  outputs: string[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
}

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

export function tensorProto(spec: TensorSpec): onnx.TensorProto {
  const { name, dims, values, type = 'float', storage = 'raw' } = spec;
  if (type === 'int64')
    return onnx.TensorProto.create({ name, dims, dataType: DataType.INT64, int64Data: Array.from(values) });
  if (type === 'double')
    return onnx.TensorProto.create({ name, dims, dataType: DataType.DOUBLE, doubleData: Array.from(values) });
  if (storage === 'float_data')
    return onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, floatData: Array.from(values) });
  const rawData = new Uint8Array(Float32Array.from(values).buffer);
  return onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, rawData });
}

function attribute(name: string, value: AttributeSpec): onnx.AttributeProto {
  if (typeof value === 'number')
    return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if (typeof value === 'string') {
    return onnx.AttributeProto.create({
      name,
      type: AttributeType.STRING,
      s: new TextEncoder().encode(value),
    });
  }
  if (Array.isArray(value))
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  if ('float' in value)
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  if ('floats' in value)
    return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: value.floats });
  return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t: tensorProto(value) });
}

function floatValueInfo(name: string, dims?: number[]): onnx.ValueInfoProto {
  const shape = dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined;
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT, shape } } });
}

/** A serialized single-graph ONNX model (IR 7, ai.onnx opset `opset`, default 13). */
export function buildOnnxModel(spec: GraphSpec): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: 'test-graph',
    node: spec.nodes.map((n, i) =>
      onnx.NodeProto.create({
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      }),
    ),
    initializer: (spec.initializers ?? []).map(tensorProto),
    input: [floatValueInfo(spec.input.name, spec.input.dims)],
    output: spec.outputs.map((name) => floatValueInfo(name)),
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'lowbit-tests',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomValues(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => 2 * random() - 1);
}
