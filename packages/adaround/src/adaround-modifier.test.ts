import {
  type ActivationQuantizer,
  chooseQParams,
  dequantize,
  fakeQuantizePerTensor,
  initBackend,
  LowbitError,
  quantArgs,
  quantize,
  runRecipe,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { expectLowbitError, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adaround } from './adaround-modifier';
import type { LayerTarget } from './test-support/layers';
import { smoothImages } from './test-support/random';
import { syntheticCnn } from './test-support/synthetic-model';
import { weightArgs } from './weight-grid';

/** Min-max grids (mseSearch off), which the independent nearestLoss below reproduces. */
const SETTINGS = {
  bits: 3,
  iterations: 150,
  learningRate: 1e-2,
  progressInterval: 50,
  mseSearch: false,
} as const;
const ARGS = weightArgs({ bits: 3, symmetric: true, granularity: 'channel' });

/** The inputs `target` receives when the model runs on `batches` (as one tensor; linear inputs as rows). */
function captured(model: ReturnType<typeof syntheticCnn>, batches: tf.Tensor[], target: string): tf.Tensor {
  const parts: tf.Tensor[] = [];
  for (const batch of batches) {
    tf.tidy(() => {
      model.blocks[0].forward(batch, (name, input) => {
        if (name === target) parts.push(tf.keep(input.clone()));
      });
    });
  }
  const all = tf.concat(parts);
  tf.dispose(parts);
  return all;
}

/**
 * Σ over channels of (f(apply(X, Ŵ)) − f(Y))², averaged over rows/positions, Ŵ nearest-rounded on
 * min-max qparams; f = relu(· + bias) with `reluBias` (linear layers), else the identity.
 */
function nearestLoss(
  target: LayerTarget,
  floatWeight: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  reluBias?: Float32Array,
): number {
  return tf.tidy(() => {
    const matrix = tf.reshape(floatWeight, [floatWeight.shape[0], -1]);
    const qp = chooseQParams(matrix, ARGS);
    const w = tf.reshape(dequantize(quantize(matrix, qp, ARGS), qp, ARGS), floatWeight.shape);
    const f = (t: tf.Tensor) =>
      reluBias ? tf.relu(tf.add(t, tf.tensor2d(reluBias, [1, reluBias.length]))) : t;
    const out = f(target.apply(x, w));
    return (tf.sum(tf.squaredDifference(out, f(y))).dataSync()[0] * out.shape[1]!) / out.size;
  });
}

describe.each(TEST_BACKENDS)('adaround modifier (%s)', (backend) => {
  let baseline = 0;
  let batches: tf.Tensor[] = [];
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    batches = [smoothImages(32, 2, 8, 21), smoothImages(32, 2, 8, 22)];
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
    tf.dispose(batches);
  });

  /** Runs adaround on a fresh model; returns the model, report and fc1's float input/output captured before. */
  function run(options: Parameters<typeof adaround>[0], fc1Relu = false) {
    const model = syntheticCnn();
    const fc1 = model.targets[1] as LayerTarget;
    if (fc1Relu) fc1.activation = 'relu';
    const floatX = captured(model, batches, 'fc1');
    const floatW = fc1.weight();
    const floatY = fc1.apply(floatX, floatW);
    const events: { done: number; total: number; note?: string }[] = [];
    const [report] = runRecipe(model, [adaround({ ...SETTINGS, ...options })], {
      calibration: batches,
      onProgress: (e) => {
        if (e.stage === 'adaround') events.push(e);
      },
    });
    return { model, fc1, floatX, floatW, floatY, report, events };
  }

  it("quantizes every layer to a QuantizedTensor and reports AdaRound's loss below nearest", () => {
    const { model, report, events, floatX, floatW, floatY } = run({ iterations: 600 });
    tf.dispose([floatX, floatW, floatY]);
    expect(report.modifier).toBe('adaround');
    expect(report.targets.map((t) => t.target)).toEqual(['conv', 'fc1', 'fc2']);
    for (const target of model.targets) expect(target.quantized?.shape[0]).toBe(target.shape[0]);
    const byName = Object.fromEntries(report.targets.map((t) => [t.target, t])) as Record<
      string,
      TargetReport
    >;
    for (const name of ['conv', 'fc1']) {
      const t = byName[name];
      expect(t.adaroundLoss as number).toBeLessThan(t.nearestLoss as number);
      expect(t.flipped as number).toBeGreaterThan(0);
      expect(t.relativeError as number).toBeGreaterThan(0);
      expect(t.samples).toBe(name === 'conv' ? 64 : 64);
    }
    // Progress: every 50 steps per layer, counting over the block's 3 × 600 steps, loss in the note.
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: 36 }, (_, i) => 50 * (i + 1)));
    expect(events.every((e) => e.total === 1800)).toBe(true);
    expect(events[12].note).toMatch(/^fc1 loss \d\.\d{3}e[+-]\d+$/);
  });

  it("'float' inputs: each layer reconstructs from the float model's input", () => {
    const { fc1, report, floatX, floatW, floatY } = run({ inputs: 'float' });
    const expected = nearestLoss(fc1, floatW, floatX, floatY);
    expect(report.targets[1].nearestLoss).toBeCloseTo(expected, 4);
    tf.dispose([floatX, floatW, floatY]);
  });

  it("a target with activation 'relu' is reconstructed and reported after relu(· + its bias)", () => {
    const { fc1, report, floatX, floatW, floatY } = run({ inputs: 'float' }, true);
    const bias = fc1.bias.read();
    const expected = nearestLoss(fc1, floatW, floatX, floatY, bias);
    expect(report.targets[1].nearestLoss).toBeCloseTo(expected, 4);
    expect(nearestLoss(fc1, floatW, floatX, floatY)).toBeGreaterThan(1.05 * expected);
    expect(report.targets[1].adaroundLoss as number).toBeLessThan(expected);
    tf.dispose([floatX, floatW, floatY]);
  });

  it("'quantized' inputs: fc1's input comes from the model with conv hardened, its target from the float model", () => {
    const { model, fc1, report, floatX, floatW, floatY } = run({ inputs: 'quantized' });
    // conv now holds its hardened QuantizedTensor: fc1's input as the sequential run saw it.
    const quantizedX = captured(model, batches, 'fc1');
    const expected = nearestLoss(fc1, floatW, quantizedX, floatY);
    const floatInputLoss = nearestLoss(fc1, floatW, floatX, floatY);
    expect(report.targets[1].nearestLoss).toBeCloseTo(expected, 4);
    expect(Math.abs(expected - floatInputLoss)).toBeGreaterThan(1e-3 * floatInputLoss);
    tf.dispose([floatX, floatW, floatY, quantizedX]);
  });

  it("'quantized' inputs with an activation quantizer: fc1's input is fake-quantized by its plan", () => {
    const actArgs = quantArgs({ bits: 2, symmetric: false });
    const plan = { mode: 'static' as const, args: actArgs, qparams: { fc1: { scale: 0.6, zeroPoint: 0 } } };
    const activations: ActivationQuantizer = {
      name: 'stub-static',
      needsCalibration: false,
      applyBlock: () => {},
      finalize: () => ({ modifier: 'stub-static', config: {}, targets: [], seconds: 0 }),
      plan: () => plan,
    };
    const { model, fc1, report, floatX, floatW, floatY } = run({ activations });
    const quantizedX = captured(model, batches, 'fc1');
    const fakeQuantized = fakeQuantizePerTensor(quantizedX, plan.qparams.fc1, actArgs);
    const expected = nearestLoss(fc1, floatW, fakeQuantized, floatY);
    expect(report.targets[1].nearestLoss).toBeCloseTo(expected, 4);
    expect(Math.abs(expected - nearestLoss(fc1, floatW, quantizedX, floatY))).toBeGreaterThan(
      1e-3 * expected,
    );
    expect(report.config.activations).toBe('stub-static');
    tf.dispose([floatX, floatW, floatY, quantizedX, fakeQuantized]);
  });

  it('caps calibration samples and runs FlexRound on request', () => {
    const model = syntheticCnn();
    const [report] = runRecipe(
      model,
      [adaround({ ...SETTINGS, samples: 40, method: 'flexround', iterations: 60 })],
      {
        calibration: batches,
      },
    );
    expect(report.targets.map((t) => t.samples)).toEqual([40, 40, 40]);
    expect(report.config.method).toBe('flexround');
    for (const target of model.targets) expect(target.quantized).toBeDefined();
  });

  it('refuses a target without apply (UNSUPPORTED_OP naming it) and a run without calibration (NOT_READY)', () => {
    expectLowbitError(
      () => runRecipe(syntheticCnn(1, true), [adaround(SETTINGS)], { calibration: batches }),
      'UNSUPPORTED_OP',
      /"fc2"/,
      /apply/,
    );
    // Filtering the target out is the fix the message names.
    const [report] = runRecipe(
      syntheticCnn(1, true),
      [adaround({ ...SETTINGS, iterations: 5, filter: (t) => t.name !== 'fc2' })],
      { calibration: batches },
    );
    expect(report.targets.map((t) => t.target)).toEqual(['conv', 'fc1']);
    expectLowbitError(() => runRecipe(syntheticCnn(), [adaround(SETTINGS)]), 'NOT_READY', /calibration/);
  });

  it('refuses an activation quantizer whose plan is not ready, and activations with float inputs', () => {
    const activations: ActivationQuantizer = {
      name: 'late',
      needsCalibration: false,
      applyBlock: () => {},
      finalize: () => ({ modifier: 'late', config: {}, targets: [], seconds: 0 }),
      plan: () => {
        throw new LowbitError('NOT_READY', 'no plan yet');
      },
    };
    expectLowbitError(
      () => runRecipe(syntheticCnn(), [adaround({ ...SETTINGS, activations })], { calibration: batches }),
      'NOT_READY',
      /"late" has no plan/,
    );
    expectLowbitError(() => adaround({ activations, inputs: 'float' }), 'BAD_ARGS', /inputs: 'quantized'/);
  });
});
