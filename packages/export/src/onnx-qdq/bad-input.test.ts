// Bad input: LowbitErrors that name the fix, no partial files, no leaked tensors.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, perGroup, perTensor, QuantizedTensor, quantArgs, tf } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { loadOnnxModel, type OnnxModel, onnx } from '@lowbit/models';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportOnnxQdq } from './export-onnx-qdq';
import { quantizeWeights } from './test-support/quantize-model';
import { TINY_CNN, tinyModel } from './test-support/tiny-graphs';

const PLAN = {
  mode: 'static',
  args: quantArgs({ bits: 8, granularity: perTensor() }),
  qparams: { 'fc.w': { scale: 0.05, zeroPoint: 3 } },
} as const;

function withQuantized(name: string, make: (w: tf.Tensor2D) => QuantizedTensor): OnnxModel {
  const model = loadOnnxModel(tinyModel(TINY_CNN));
  const target = model.weights.get(name)!.target;
  const weight = tf.tidy(() => tf.reshape(target.weight(), [target.shape[0], -1]) as tf.Tensor2D);
  target.setWeight(make(weight));
  weight.dispose();
  return model;
}

describe('exportOnnxQdq bad input (wasm)', () => {
  let baseline = 0;
  let dir: string;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-qdq-'));
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('refuses a model with nothing quantized and no plan, naming the fix', () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    expectLowbitError(
      () => exportOnnxQdq(model),
      'BAD_ARGS',
      /no quantized weight.*quantize its targets first/,
    );
  });

  it('exports activations alone (float weights) when only a plan is given', () => {
    const { summary } = exportOnnxQdq(loadOnnxModel(tinyModel(TINY_CNN)), { activations: PLAN });
    expect(summary).toMatchObject({
      opset: 10,
      weights: [],
      activationTargets: ['fc.w'],
      activationPairs: 1,
    });
  });

  it('refuses a plan naming targets the model lacks', () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    const plan = { ...PLAN, qparams: { 'layers.0.q_proj': { scale: 0.1, zeroPoint: 0 } } };
    expectLowbitError(
      () => exportOnnxQdq(model, { activations: plan }),
      'BAD_ARGS',
      /layers\.0\.q_proj.*lacks/,
    );
  });

  it.each([
    ['an empty plan', { ...PLAN, qparams: {} }, /empty/],
    ['a dynamic plan', { mode: 'dynamic', args: PLAN.args }, /dynamic plan/],
    [
      'per-channel activations',
      { ...PLAN, args: quantArgs({ granularity: { kind: 'channel', axis: 0 } }) },
      /per-tensor/,
    ],
    ['a zero scale', { ...PLAN, qparams: { 'fc.w': { scale: 0, zeroPoint: 3 } } }, /positive/],
    ['a fractional zero point', { ...PLAN, qparams: { 'fc.w': { scale: 1, zeroPoint: 2.5 } } }, /integers/],
    [
      'a zero point outside the codes',
      { ...PLAN, qparams: { 'fc.w': { scale: 1, zeroPoint: 300 } } },
      /outside/,
    ],
  ])('refuses %s', (_label, plan, message) => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed plans
    expectLowbitError(() => exportOnnxQdq(model, { activations: plan as any }), 'BAD_ARGS', message);
  });

  it('refuses group-wise and real-zero-point weights, naming the weight and the fix', () => {
    const grouped = withQuantized('fc.w', (w) =>
      QuantizedTensor.fromTensor(w, quantArgs({ bits: 4, granularity: perGroup(8, 1) })),
    );
    expectLowbitError(
      () => exportOnnxQdq(grouped),
      'BAD_ARGS',
      /"fc\.w" is quantized in groups of 8.*perChannel\(0\)/,
    );
    const hqq = withQuantized('fc.w', (w) =>
      QuantizedTensor.fromTensor(
        w,
        quantArgs({ bits: 4, zeroPointDomain: 'float', granularity: { kind: 'channel', axis: 0 } }),
      ),
    );
    expectLowbitError(() => exportOnnxQdq(hqq), 'BAD_ARGS', /"fc\.w" has real-valued zero points/);
  });

  it('writes atomically; an existing path is EXISTS without overwrite and stays untouched', () => {
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, { bits: 8, symmetric: true });
    const path = join(dir, 'tiny-qdq.onnx');
    const { bytes } = exportOnnxQdq(model, { path });
    expect(new Uint8Array(readFileSync(path))).toEqual(new Uint8Array(bytes));
    writeFileSync(path, 'previous');
    expectLowbitError(() => exportOnnxQdq(model, { path }), 'EXISTS', /overwrite: true/);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    exportOnnxQdq(model, { path, overwrite: true });
    expect((onnx.ModelProto.decode(readFileSync(path)).graph as onnx.GraphProto).node.length).toBeGreaterThan(
      0,
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves no file when a bad model is refused or the folder is missing', () => {
    const path = join(dir, 'refused.onnx');
    expectLowbitError(
      () => exportOnnxQdq(loadOnnxModel(tinyModel(TINY_CNN)), { path }),
      'BAD_ARGS',
      /quantize/,
    );
    expect(existsSync(path)).toBe(false);
    const model = loadOnnxModel(tinyModel(TINY_CNN));
    quantizeWeights(model, { bits: 8, symmetric: true });
    const missing = join(dir, 'no-such-folder', 'model.onnx');
    expectLowbitError(() => exportOnnxQdq(model, { path: missing }), 'MISSING_FILE', /folder exists/);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });
});
