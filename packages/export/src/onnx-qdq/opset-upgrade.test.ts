// Raising the opset keeps every op's meaning: ORT on the upgraded export matches lowbit on the original.
import { forwardModel, initBackend, tf } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { loadOnnxModel, onnx } from '@lowbit/models';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportOnnxQdq } from './export-onnx-qdq';
import { irVersionFor } from './opset';
import { maxAbsDifference, ortRun, ortSession } from './test-support/ort-run';
import { quantizeWeights } from './test-support/quantize-model';
import { LEGACY_OPS, randomInput, TINY_CNN, type TinyGraph, tinyModel } from './test-support/tiny-graphs';

describe('opset upgrade (wasm)', () => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it.each([
    [13, 8],
    [21, 4],
  ])('opset %i: Clip, Dropout and a 4-D Softmax keep their opset-10 meaning', async (opset, bits) => {
    const model = loadOnnxModel(tinyModel(LEGACY_OPS));
    quantizeWeights(model, { bits, symmetric: true });
    const { bytes, summary } = exportOnnxQdq(model);
    expect(summary.opset).toBe(opset);
    const graph = onnx.ModelProto.decode(bytes).graph as onnx.GraphProto;
    expect(graph.node.map((n) => n.opType)).toEqual([
      'DequantizeLinear',
      'Conv',
      'Clip',
      'Identity',
      'Shape',
      'Flatten',
      'Softmax',
      'Reshape',
    ]);
    expect(graph.node[2].input).toHaveLength(3);
    const x = randomInput(4 * 12, 2).map((v) => 3 * v);
    const session = await ortSession(bytes, 'all');
    const ort = (await ortRun(session, x, [4, 3, 2, 2])).y;
    await session.release();
    const ours = tf.tidy(() => forwardModel(model, tf.tensor4d(x, [4, 3, 2, 2])).dataSync());
    expect(maxAbsDifference(ort, ours)).toBeLessThan(1e-6);
    // Opset-10 Softmax normalizes all 12 values of each image together.
    for (let i = 0; i < 4; i++)
      expect(Array.from(ours.slice(12 * i, 12 * i + 12)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('a LogSoftmax after Flatten/Gemm only gets its axis written out', () => {
    const spec: TinyGraph = {
      ...TINY_CNN,
      nodes: [...TINY_CNN.nodes.slice(0, 5), { op: 'LogSoftmax', inputs: ['g'], output: 'y' }],
      weights: { 'conv.w': [4, 2, 3, 3], 'conv.b': [4], 'fc.w': [5, 16], 'fc.b': [5] },
    };
    const model = loadOnnxModel(tinyModel(spec));
    quantizeWeights(model, { bits: 8, symmetric: true });
    const graph = onnx.ModelProto.decode(exportOnnxQdq(model).bytes).graph as onnx.GraphProto;
    const logSoftmax = graph.node.find((n) => n.opType === 'LogSoftmax')!;
    expect((logSoftmax.attribute ?? []).map((a) => [a.name, Number(a.i)])).toEqual([['axis', 1]]);
    expect(graph.node.some((n) => n.opType === 'Reshape')).toBe(false);
  });

  it('refuses to raise an op whose meaning it has not checked (BatchNormalization at opset 8)', () => {
    const spec: TinyGraph = {
      opset: 8,
      input: { name: 'x', dims: ['N', 2, 3, 3] },
      output: 'y',
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], output: 'c', attributes: { kernel_shape: [1, 1] } },
        { op: 'BatchNormalization', inputs: ['c', 's', 'b', 'm', 'v'], output: 'y' },
      ],
      weights: { w: [2, 2, 1, 1], s: [2], b: [2], m: [2], v: [2] },
    };
    const model = loadOnnxModel(tinyModel(spec));
    quantizeWeights(model, { bits: 8, symmetric: true, granularity: { kind: 'tensor' } });
    expectLowbitError(
      () => exportOnnxQdq(model),
      'UNSUPPORTED_OP',
      /opset 8 to 10.*BatchNormalization.*opset ≥ 10 first\.$/,
    );
  });

  it('writes the IR version each opset needs', () => {
    expect([8, 9, 10, 11, 13, 17, 19, 21].map(irVersionFor)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
