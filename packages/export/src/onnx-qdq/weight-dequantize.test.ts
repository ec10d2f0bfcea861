// DequantizeLinear of the exported weights, run by onnxruntime, reproduces lowbit's dequantize() bit for bit.
import { forwardModel, initBackend, type QuantArgsInput, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { loadOnnxModel, type OnnxModel, onnx } from '@lowbit/models';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportOnnxQdq } from './export-onnx-qdq';
import { maxAbsDifference, ortRun, ortSession, withOutputs } from './test-support/ort-run';
import { quantizeWeights } from './test-support/quantize-model';
import { randomInput, TINY_CNN, tinyModel } from './test-support/tiny-graphs';

/** lowbit's dequantized weight in the ONNX layout (transposed for MatMul). */
function dequantizedOnnx(model: OnnxModel, name: string): Float32Array {
  const weight = model.weights.get(name)!;
  const values = tf.tidy(() => {
    const w = tf.reshape(weight.target.quantized!.dequantize(), weight.target.shape as number[]);
    return (weight.transposed ? tf.transpose(w) : w).dataSync() as Float32Array;
  });
  return values;
}

const CASES: [string, QuantArgsInput, string, number][] = [
  ['int8 symmetric', { bits: 8, symmetric: true }, 'int8', 13],
  ['uint8 asymmetric', { bits: 8, symmetric: false }, 'uint8', 13],
  ['uint8 symmetric (zero point 128)', { bits: 8, symmetric: true, signed: false }, 'uint8', 13],
  ['int4 symmetric', { bits: 4, symmetric: true }, 'int4', 21],
  ['uint4 asymmetric', { bits: 4, symmetric: false }, 'uint4', 21],
  ['3-bit signed in int4', { bits: 3, symmetric: true }, 'int4', 21],
  ['6-bit unsigned in uint8', { bits: 6, symmetric: false }, 'uint8', 13],
];

describe.each(TEST_BACKENDS)('QDQ weights on %s', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it.each(CASES)(
    '%s per channel: ORT DequantizeLinear equals lowbit exactly',
    async (_label, args, type, opset) => {
      const model = loadOnnxModel(tinyModel(TINY_CNN));
      quantizeWeights(model, args);
      const { bytes, summary } = exportOnnxQdq(model);
      expect(summary.opset).toBe(opset);
      expect(summary.sourceOpset).toBe(10);
      expect(summary.irVersion).toBe(opset === 21 ? 10 : 7);
      expect(summary.weights).toEqual([
        { name: 'conv.w', type, axis: 0 },
        { name: 'fc.w', type, axis: 0 },
        { name: 'head.w', type, axis: 1 },
      ]);
      const outputs = summary.weights.map((w) => `${w.name}_DequantizeLinear_Output`);
      const session = await ortSession(withOutputs(bytes, outputs));
      const x = randomInput(2 * 2 * 36, 7);
      const result = await ortRun(session, x, [2, 2, 6, 6], ['y', ...outputs]);
      await session.release();
      for (const { name } of summary.weights) {
        expect(result[`${name}_DequantizeLinear_Output`]).toEqual(dequantizedOnnx(model, name));
      }
      const ours = tf.tidy(() => forwardModel(model, tf.tensor4d(x, [2, 2, 6, 6])).dataSync());
      expect(maxAbsDifference(result.y, ours)).toBeLessThan(1e-5);
    },
  );

  it('exports the biases the model holds now (e.g. after BN folding or bias correction)', async () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, { bits: 8, symmetric: true });
    const bias = model.weights.get('conv.w')!.target.bias!;
    bias.write(bias.read().map((b, i) => b + 0.5 * (i + 1)));
    const session = await ortSession(exportOnnxQdq(model).bytes);
    const x = randomInput(3 * 72, 9);
    const ort = (await ortRun(session, x, [3, 2, 6, 6])).y;
    await session.release();
    const ours = tf.tidy(() => forwardModel(model, tf.tensor4d(x, [3, 2, 6, 6])).dataSync());
    expect(maxAbsDifference(ort, ours)).toBeLessThan(1e-5);
    const original = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(original, { bits: 8, symmetric: true });
    const before = tf.tidy(() => forwardModel(original, tf.tensor4d(x, [3, 2, 6, 6])).dataSync());
    expect(maxAbsDifference(before, ours)).toBeGreaterThan(0.01);
  });

  it('per-tensor 8-bit weights keep opset 10 and its LogSoftmax untouched', async () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, { bits: 8, symmetric: true, granularity: { kind: 'tensor' } }, ['fc.w']);
    const { bytes, summary } = exportOnnxQdq(model);
    expect(summary).toMatchObject({
      opset: 10,
      irVersion: 5,
      weights: [{ name: 'fc.w', type: 'int8', axis: undefined }],
    });
    const graph = onnx.ModelProto.decode(bytes).graph as onnx.GraphProto;
    expect(graph.node.map((n) => n.opType)).toEqual([
      'DequantizeLinear',
      'Conv',
      'Relu',
      'MaxPool',
      'Flatten',
      'Gemm',
      'Relu',
      'MatMul',
      'LogSoftmax',
    ]);
    expect(graph.node[0].attribute).toEqual([]);
    const session = await ortSession(withOutputs(bytes, ['fc.w_DequantizeLinear_Output']));
    const result = await ortRun(session, randomInput(72, 3), [1, 2, 6, 6], ['fc.w_DequantizeLinear_Output']);
    await session.release();
    expect(result['fc.w_DequantizeLinear_Output']).toEqual(dequantizedOnnx(model, 'fc.w'));
  });

  it('stores int4 codes two per byte, low nibble first, zero points likewise, float scales', () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, { bits: 4, symmetric: true }, ['conv.w']);
    const { bytes } = exportOnnxQdq(model);
    const initializers = new Map(
      (onnx.ModelProto.decode(bytes).graph as onnx.GraphProto).initializer.map((t) => [
        t.name,
        t as onnx.TensorProto,
      ]),
    );
    const codes = initializers.get('conv.w_quantized')!;
    const q = model.weights.get('conv.w')!.target.quantized!;
    expect(codes.dataType).toBe(22);
    expect(codes.dims.map(Number)).toEqual([4, 2, 3, 3]);
    expect(codes.rawData.length).toBe(36);
    const nibble = (i: number) => (codes.rawData[i >> 1] >> ((i & 1) * 4)) & 0xf;
    const decoded = Array.from({ length: 72 }, (_, i) => (nibble(i) >= 8 ? nibble(i) - 16 : nibble(i)));
    expect(decoded).toEqual(Array.from(q.codes));
    const zeroPoint = initializers.get('conv.w_zero_point')!;
    expect(zeroPoint.dataType).toBe(22);
    expect(Array.from(zeroPoint.rawData)).toEqual([0, 0]);
    expect(new Float32Array(Uint8Array.from(initializers.get('conv.w_scale')!.rawData).buffer)).toEqual(
      q.scale,
    );
  });
});
