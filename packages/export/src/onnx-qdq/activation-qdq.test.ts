// Activation QuantizeLinear → DequantizeLinear: onnxruntime matches lowbit's withActivationQuantization.
import {
  type ActivationQuantPlan,
  forwardModel,
  initBackend,
  perTensor,
  type QuantArgsInput,
  quantArgs,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { loadOnnxModel, onnx } from '@lowbit/models';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportOnnxQdq } from './export-onnx-qdq';
import { maxAbsDifference, ortRun, ortSession } from './test-support/ort-run';
import { minMaxPlan, quantizeWeights } from './test-support/quantize-model';
import { randomInput, SHARED_INPUT, TINY_CNN, tinyModel } from './test-support/tiny-graphs';

function plan(args: QuantArgsInput, qparams: Record<string, { scale: number; zeroPoint: number }>) {
  return { mode: 'static', args: quantArgs({ granularity: perTensor(), ...args }), qparams } as const;
}

function opTypes(bytes: Uint8Array): string[] {
  return onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType ?? '');
}

describe.each(TEST_BACKENDS)('QDQ activations on %s', (backend) => {
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

  /** ORT's output of the export vs lowbit's simulation, on `rows` random inputs of the tiny CNN. */
  async function compareCnn(
    weights: QuantArgsInput,
    activations: QuantArgsInput,
    fourBit = { weights: true, activations: false },
  ) {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, weights);
    const x = randomInput(64 * 72, 11);
    const calibration = tf.tensor4d(x, [64, 2, 6, 6]);
    const activationPlan = minMaxPlan(model, calibration, activations);
    calibration.dispose();
    const exported = exportOnnxQdq(model, {
      activations: activationPlan,
      fourBitWeights: fourBit.weights,
      fourBitActivations: fourBit.activations,
    });
    const session = await ortSession(exported.bytes);
    const ort = (await ortRun(session, x, [64, 2, 6, 6])).y;
    await session.release();
    const simulated = withActivationQuantization(model, activationPlan);
    const ours = tf.tidy(() => forwardModel(simulated, tf.tensor4d(x, [64, 2, 6, 6])).dataSync());
    return { exported, difference: maxAbsDifference(ort, ours) };
  }

  it.each([
    ['W8A8 (uint8 asymmetric)', { bits: 8, symmetric: true }, { bits: 8 }, 13, 'uint8'],
    ['W8A8 (int8 symmetric)', { bits: 8, symmetric: true }, { bits: 8, symmetric: true }, 13, 'int8'],
    ['W4A8', { bits: 4, symmetric: true }, { bits: 8 }, 21, 'uint8'],
    ['W4A4 (uint4)', { bits: 4, symmetric: true }, { bits: 4 }, 21, 'uint4'],
    ['W4A4 (int4)', { bits: 4, symmetric: true }, { bits: 4, symmetric: true }, 21, 'int4'],
  ])('%s on the tiny CNN agrees with the simulation', async (_label, weights, activations, opset, type) => {
    const { exported, difference } = await compareCnn(weights, activations, {
      weights: true,
      activations: true,
    });
    expect(exported.summary.opset).toBe(opset);
    expect(exported.summary.activationTargets).toEqual(['conv.w', 'fc.w', 'head.w']);
    expect(exported.summary.activationPairs).toBe(3);
    const graph = onnx.ModelProto.decode(exported.bytes).graph as onnx.GraphProto;
    const zeroPoint = graph.initializer.find((t) => t.name === 'x_zero_point')!;
    expect(zeroPoint.dataType).toBe({ uint8: 2, int8: 3, uint4: 21, int4: 22 }[type]);
    expect(difference).toBeLessThan(1e-5);
  });

  it('3-bit activations: uint8 Q/DQ plus a Clip to the 3-bit codes, as the simulation clamps', async () => {
    const { exported, difference } = await compareCnn({ bits: 8, symmetric: true }, { bits: 3 });
    expect(exported.summary.opset).toBe(13);
    expect(opTypes(exported.bytes).filter((op) => op === 'Clip')).toHaveLength(3);
    expect(difference).toBeLessThan(1e-5);
  });

  it('by default 4-bit activations are uint8 Q/DQ plus a Clip to the 4-bit range', async () => {
    const { exported, difference } = await compareCnn({ bits: 4, symmetric: true }, { bits: 4 });
    expect(exported.summary.opset).toBe(21);
    expect(opTypes(exported.bytes).filter((op) => op === 'Clip')).toHaveLength(3);
    expect(difference).toBeLessThan(1e-5);
  });

  it('fourBitWeights: false keeps W4A4 in 8-bit containers (opset 13)', async () => {
    const { exported, difference } = await compareCnn(
      { bits: 4, symmetric: true },
      { bits: 4 },
      { weights: false, activations: false },
    );
    expect(exported.summary.opset).toBe(13);
    expect(exported.summary.weights.map((w) => w.type)).toEqual(['int8', 'int8', 'int8']);
    expect(opTypes(exported.bytes).filter((op) => op === 'Clip')).toHaveLength(3);
    expect(difference).toBeLessThan(1e-5);
  });

  it('shares one Q/DQ pair between targets that read the same value with the same qparams', async () => {
    const model = loadOnnxModel(tinyModel(SHARED_INPUT));
    const same = exportOnnxQdq(model, {
      activations: plan(
        { bits: 8 },
        { 'a.w': { scale: 0.01, zeroPoint: 120 }, 'b.w': { scale: 0.01, zeroPoint: 120 } },
      ),
    });
    expect(same.summary).toMatchObject({ opset: 13, activationPairs: 1, weights: [] });
    expect(opTypes(same.bytes)).toEqual(['QuantizeLinear', 'DequantizeLinear', 'Gemm', 'MatMul', 'Add']);
    const different = exportOnnxQdq(model, {
      activations: plan(
        { bits: 8 },
        { 'a.w': { scale: 0.01, zeroPoint: 120 }, 'b.w': { scale: 0.02, zeroPoint: 128 } },
      ),
    });
    expect(different.summary.activationPairs).toBe(2);
    const x = randomInput(40, 5);
    for (const [exported, activationPlan] of [
      [
        same,
        plan({ bits: 8 }, { 'a.w': { scale: 0.01, zeroPoint: 120 }, 'b.w': { scale: 0.01, zeroPoint: 120 } }),
      ],
      [
        different,
        plan({ bits: 8 }, { 'a.w': { scale: 0.01, zeroPoint: 120 }, 'b.w': { scale: 0.02, zeroPoint: 128 } }),
      ],
    ] as const) {
      const session = await ortSession(exported.bytes);
      const ort = (await ortRun(session, x, [5, 8])).y;
      await session.release();
      const simulated = withActivationQuantization(model, activationPlan as ActivationQuantPlan);
      const ours = tf.tidy(() => forwardModel(simulated, tf.tensor2d(x, [5, 8])).dataSync());
      expect(maxAbsDifference(ort, ours)).toBeLessThan(1e-5);
    }
  });
});
