// Small ONNX graphs for the QDQ exporter's tests, in the shapes of real CNN exports.
import { mulberry32 } from '@lowbit/core-tensor';
import { onnx } from '@lowbit/models';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

type Attribute = number | number[] | { float: number };

export interface TinyNode {
  op: string;
  inputs: string[];
  output: string;
  attributes?: Record<string, Attribute>;
}

export interface TinyGraph {
  opset: number;
  input: { name: string; dims: (number | string)[] };
  output: string;
  nodes: TinyNode[];
  /** Float initializers: dims, filled with seeded values in [-1, 1). */
  weights: Record<string, number[]>;
}

function attribute(name: string, value: Attribute): onnx.IAttributeProto {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}

function valueInfo(name: string, dims?: (number | string)[]): onnx.IValueInfoProto {
  const shape = dims && { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape } } };
}

/** The model's bytes (IR 5 at opset ≤ 10, else 7), with seeded weights. */
export function tinyModel(spec: TinyGraph, seed = 1): Uint8Array {
  const random = mulberry32(seed);
  const initializer = Object.entries(spec.weights).map(([name, dims]) => {
    const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 2 * random() - 1);
    return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
  });
  const node = spec.nodes.map((n, i) => ({
    name: `${n.op}_${i}`,
    opType: n.op,
    input: n.inputs,
    output: [n.output],
    attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  }));
  return onnx.ModelProto.encode({
    irVersion: spec.opset <= 10 ? 5 : 7,
    producerName: 'lowbit-tests',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: {
      name: 'tiny',
      node,
      initializer,
      input: [valueInfo(spec.input.name, spec.input.dims)],
      output: [valueInfo(spec.output)],
    },
  }).finish();
}

/**
 * Conv [4,2,3,3]+bias → Relu → MaxPool 2 → Flatten → Gemm (transB 1) [5,16]+bias → Relu →
 * MatMul [5,3] → LogSoftmax, at opset 10 like the Fashion-MNIST export; input [N, 2, 6, 6].
 */
export const TINY_CNN: TinyGraph = {
  opset: 10,
  input: { name: 'x', dims: ['N', 2, 6, 6] },
  output: 'y',
  nodes: [
    { op: 'Conv', inputs: ['x', 'conv.w', 'conv.b'], output: 'c', attributes: { kernel_shape: [3, 3] } },
    { op: 'Relu', inputs: ['c'], output: 'r' },
    { op: 'MaxPool', inputs: ['r'], output: 'p', attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Flatten', inputs: ['p'], output: 'f', attributes: { axis: 1 } },
    { op: 'Gemm', inputs: ['f', 'fc.w', 'fc.b'], output: 'g', attributes: { transB: 1 } },
    { op: 'Relu', inputs: ['g'], output: 'h' },
    { op: 'MatMul', inputs: ['h', 'head.w'], output: 'm' },
    { op: 'LogSoftmax', inputs: ['m'], output: 'y' },
  ],
  weights: { 'conv.w': [4, 2, 3, 3], 'conv.b': [4], 'fc.w': [5, 16], 'fc.b': [5], 'head.w': [5, 3] },
};

/** Ops whose meaning changes after opset 10: Clip (attributes), Dropout, Softmax over a 4-D input. */
export const LEGACY_OPS: TinyGraph = {
  opset: 10,
  input: { name: 'x', dims: ['N', 3, 2, 2] },
  output: 'y',
  nodes: [
    { op: 'Conv', inputs: ['x', 'mix.w'], output: 'c', attributes: { kernel_shape: [1, 1] } },
    { op: 'Clip', inputs: ['c'], output: 'k', attributes: { min: { float: -0.25 }, max: { float: 0.5 } } },
    { op: 'Dropout', inputs: ['k'], output: 'd', attributes: { ratio: { float: 0.5 } } },
    { op: 'Softmax', inputs: ['d'], output: 'y' },
  ],
  weights: { 'mix.w': [3, 3, 1, 1] },
};

/** One input read by a Gemm (transB 0, [8,4]) and a MatMul ([8,4]), summed; input [N, 8], opset 13. */
export const SHARED_INPUT: TinyGraph = {
  opset: 13,
  input: { name: 'x', dims: ['N', 8] },
  output: 'y',
  nodes: [
    { op: 'Gemm', inputs: ['x', 'a.w', 'a.b'], output: 'a' },
    { op: 'MatMul', inputs: ['x', 'b.w'], output: 'b' },
    { op: 'Add', inputs: ['a', 'b'], output: 'y' },
  ],
  weights: { 'a.w': [8, 4], 'a.b': [4], 'b.w': [8, 4] },
};

/** Deterministic pseudo-random inputs in [-1, 1). */
export function randomInput(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => 2 * random() - 1);
}
