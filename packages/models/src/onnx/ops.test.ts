import { forwardModel, initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxModel } from './onnx-model';
import {
  buildOnnxModel,
  type GraphSpec,
  type NodeSpec,
  randomValues,
  type TensorSpec,
} from './test-support/onnx-builder';
import { OrtReference } from './test-support/ort-reference';

interface OpCase {
  name: string;
  opset?: number;
  input: number[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
}

const weight = (name: string, dims: number[], seed: number, storage?: TensorSpec['storage']): TensorSpec => ({
  name,
  dims,
  values: randomValues(
    dims.reduce((a, b) => a * b, 1),
    seed,
  ),
  storage,
});
const conv = (attributes: NodeSpec['attributes']): NodeSpec => ({
  op: 'Conv',
  inputs: ['x', 'w', 'b'],
  outputs: ['y'],
  attributes,
});
const single = (op: string, attributes?: NodeSpec['attributes'], inputs = ['x']): NodeSpec[] => [
  { op, inputs, outputs: ['y'], attributes },
];

const CASES: OpCase[] = [
  {
    name: 'Conv, pads 1, stride 2, bias',
    input: [2, 3, 9, 9],
    nodes: [conv({ pads: [1, 1, 1, 1], strides: [2, 2], kernel_shape: [3, 3] })],
    initializers: [weight('w', [4, 3, 3, 3], 1), weight('b', [4], 2, 'float_data')],
  },
  {
    name: 'Conv, dilations 2, asymmetric pads',
    input: [1, 2, 10, 9],
    nodes: [conv({ pads: [0, 1, 2, 0], dilations: [2, 2] })],
    initializers: [weight('w', [3, 2, 3, 3], 3), weight('b', [3], 4)],
  },
  {
    name: 'Conv, auto_pad SAME_UPPER, stride 2',
    input: [1, 2, 8, 7],
    nodes: [conv({ auto_pad: 'SAME_UPPER', strides: [2, 2] })],
    initializers: [weight('w', [3, 2, 4, 4], 5), weight('b', [3], 6)],
  },
  {
    name: 'Conv, depthwise (group 3, multiplier 2), pads 1',
    input: [2, 3, 6, 6],
    nodes: [conv({ group: 3, pads: [1, 1, 1, 1] })],
    initializers: [weight('w', [6, 1, 3, 3], 7), weight('b', [6], 8)],
  },
  {
    name: 'Conv, grouped (group 2), no bias',
    input: [1, 4, 5, 5],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { group: 2 } }],
    initializers: [weight('w', [6, 2, 3, 3], 9)],
  },
  {
    name: 'Gemm, transB, alpha 0.5, beta 2',
    input: [3, 12],
    nodes: single('Gemm', { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } }, ['x', 'w', 'c']),
    initializers: [weight('w', [5, 12], 10), weight('c', [5], 11)],
  },
  {
    name: 'Gemm, transA, B [in, out], no C',
    input: [12, 3],
    nodes: single('Gemm', { transA: 1 }, ['x', 'w']),
    initializers: [weight('w', [12, 5], 12)],
  },
  {
    name: 'MatMul, 3-D input by a [in, out] weight',
    input: [2, 4, 8],
    nodes: single('MatMul', undefined, ['x', 'w']),
    initializers: [weight('w', [8, 3], 13)],
  },
  {
    name: 'MatMul by a rank-1 vector',
    input: [2, 8],
    nodes: single('MatMul', undefined, ['x', 'v']),
    initializers: [weight('v', [8], 19)],
  },
  {
    name: 'MaxPool, kernel 3, stride 2, pads 1',
    input: [2, 3, 7, 7],
    nodes: single('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  {
    name: 'MaxPool, ceil_mode',
    input: [1, 2, 8, 8],
    nodes: single('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }),
  },
  {
    name: 'MaxPool, ceil_mode dropping a window that starts in the end padding',
    input: [1, 2, 6, 6],
    nodes: single('MaxPool', { kernel_shape: [3, 3], strides: [3, 3], pads: [2, 2, 2, 2], ceil_mode: 1 }),
  },
  {
    name: 'AveragePool, pads excluded from the count',
    input: [2, 3, 7, 7],
    nodes: single('AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  {
    name: 'AveragePool, count_include_pad',
    input: [1, 2, 6, 6],
    nodes: single('AveragePool', { kernel_shape: [3, 3], pads: [1, 0, 1, 2], count_include_pad: 1 }),
  },
  {
    name: 'AveragePool, ceil_mode with pads',
    input: [1, 2, 8, 8],
    nodes: single('AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }),
  },
  { name: 'GlobalAveragePool', input: [2, 3, 5, 4], nodes: single('GlobalAveragePool') },
  {
    name: 'BatchNormalization',
    input: [2, 3, 4, 4],
    nodes: single('BatchNormalization', { epsilon: { float: 1e-3 } }, ['x', 's', 'bias', 'mean', 'var']),
    initializers: [
      weight('s', [3], 14),
      weight('bias', [3], 15),
      weight('mean', [3], 16),
      { name: 'var', dims: [3], values: [0.5, 1, 2] },
    ],
  },
  {
    name: 'Clip, opset 10 attributes',
    opset: 10,
    input: [2, 10],
    nodes: single('Clip', { min: { float: -0.5 }, max: { float: 0.25 } }),
  },
  {
    name: 'Clip, opset 13 min input, max omitted',
    input: [2, 10],
    nodes: single('Clip', undefined, ['x', 'low', '']),
    initializers: [{ name: 'low', dims: [], values: [-0.3] }],
  },
  {
    name: 'Softmax, opset 11 (2-D coercion)',
    opset: 11,
    input: [2, 3, 4],
    nodes: single('Softmax', { axis: 1 }),
  },
  { name: 'Softmax, opset 13, axis 1', input: [2, 3, 4], nodes: single('Softmax', { axis: 1 }) },
  { name: 'LogSoftmax, opset 10 default axis', opset: 10, input: [2, 3, 4], nodes: single('LogSoftmax') },
  { name: 'LogSoftmax, opset 13 default axis', input: [2, 3, 4], nodes: single('LogSoftmax') },
  { name: 'Flatten, axis 2', input: [2, 3, 4, 5], nodes: single('Flatten', { axis: 2 }) },
  {
    name: 'Reshape, int64 shape with 0 and -1',
    input: [2, 3, 4, 5],
    nodes: single('Reshape', undefined, ['x', 'shape']),
    initializers: [{ name: 'shape', dims: [3], values: [0, -1, 5], type: 'int64' }],
  },
  {
    name: 'Reshape, shape from a Constant node',
    input: [2, 3, 4],
    nodes: [
      {
        op: 'Constant',
        inputs: [],
        outputs: ['shape'],
        attributes: { value: { name: 'v', dims: [2], values: [4, 6], type: 'int64' } },
      },
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
    ],
  },
  {
    name: 'Add and Mul with broadcasting',
    input: [2, 3, 4, 4],
    nodes: [
      { op: 'Add', inputs: ['x', 'channel'], outputs: ['t'] },
      { op: 'Mul', inputs: ['t', 'x'], outputs: ['u'] },
      { op: 'Mul', inputs: ['u', 'row'], outputs: ['y'] },
    ],
    initializers: [weight('channel', [1, 3, 1, 1], 17), weight('row', [4], 18)],
  },
  {
    name: 'Relu, Identity, Dropout',
    input: [2, 8],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Identity', inputs: ['r'], outputs: ['i'] },
      { op: 'Dropout', inputs: ['i', 'ratio'], outputs: ['y'] },
    ],
    initializers: [{ name: 'ratio', dims: [], values: [0.5] }],
  },
];

function graphOf(c: OpCase): GraphSpec {
  return {
    opset: c.opset,
    input: { name: 'x', dims: c.input },
    outputs: ['y'],
    nodes: c.nodes,
    initializers: c.initializers,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe.each(TEST_BACKENDS)('ONNX ops against onnxruntime-node on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bytes = buildOnnxModel(graphOf(c));
    const count = c.input.reduce((a, b) => a * b, 1);
    const input = randomValues(count, 42);
    const ort = await OrtReference.create(bytes);
    const expected = await ort.run(input, c.input);
    await ort.release();

    const model = loadOnnxModel(bytes);
    const before = tf.memory().numTensors;
    const x = tf.tensor(input, c.input);
    const y = forwardModel(model, x);
    expect(y.shape).toEqual(expected.dims);
    expect(maxAbsDiff(y.dataSync(), expected.data)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
