import {
  type Block,
  forwardModel,
  initBackend,
  type Modifier,
  runRecipe,
  type TargetReport,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import {
  expectLowbitError,
  syntheticImages as images,
  SMALL_CNN,
  SMALL_CNN_INPUT,
  syntheticCnn,
  TEST_BACKENDS,
} from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { W4A4 } from './presets';
import { staticQuant } from './static-quant-modifier';

/** Every target's input on the calibration batches, captured with the weights as they are now. */
function inputRanges(block: Block, batches: tf.Tensor[]): Map<string, { min: number; max: number }> {
  const ranges = new Map<string, { min: number; max: number }>();
  for (const x of batches) {
    tf.tidy(() => {
      block.forward(x, (target, input) => {
        const values = input.dataSync();
        const range = ranges.get(target) ?? { min: Infinity, max: -Infinity };
        for (const v of values) {
          range.min = Math.min(range.min, v);
          range.max = Math.max(range.max, v);
        }
        ranges.set(target, range);
      });
    });
  }
  return ranges;
}

describe.each(TEST_BACKENDS)('staticQuant (%s)', (backend) => {
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

  it('calibrates every input on the float model, then quantizes weights; the plan is ready right after applyBlock', () => {
    const { model, block, targets } = syntheticCnn(SMALL_CNN);
    const calibration = [images(8, 1), images(8, 2)];
    const ranges = inputRanges(block, calibration);
    const sq = staticQuant();
    let seenByNext: ReturnType<typeof sq.plan> | undefined;
    const probe: Modifier = {
      name: 'probe',
      needsCalibration: false,
      applyBlock: () => {
        seenByNext = sq.plan();
      },
      finalize: () => ({ modifier: 'probe', config: {}, targets: [], seconds: 0 }),
    };
    const [report] = runRecipe(model, [sq, probe], { calibration });
    tf.dispose(calibration);
    expect(seenByNext).toEqual(sq.plan());
    const plan = sq.plan();
    if (plan.mode !== 'static') throw new Error('static plan expected');
    expect(plan.args).toMatchObject({ bits: 8, symmetric: false });
    expect(Object.keys(plan.qparams)).toEqual(['conv1', 'conv2', 'fc']);
    for (const [name, { min, max }] of ranges) {
      // torch.ao: the range is widened to include 0; scale = (max − min)/255, zero point = −round(min/scale).
      const lo = Math.min(min, 0);
      const hi = Math.max(max, 0);
      const scale = (hi - lo) / 255;
      expect(plan.qparams[name].scale).toBeCloseTo(scale, 6);
      expect(plan.qparams[name].zeroPoint).toBe(Math.round(-lo / scale) + 0);
      const row = report.targets.find((t) => t.target === name) as TargetReport;
      expect(row.activationScale).toBe(plan.qparams[name].scale);
      expect(row.activationZeroPoint).toBe(plan.qparams[name].zeroPoint);
      expect(row.relativeError).toBeGreaterThan(0);
      expect(row.relativeError).toBeLessThan(0.02);
      expect(row.seconds).toBeGreaterThanOrEqual(0);
      expect(targets.get(name)!.quantized?.args).toMatchObject({ bits: 8, granularity: { kind: 'channel' } });
    }
    expect(report.modifier).toBe('static-quant');
  });

  it('the W8A8 model with its activation plan stays close to the float model', () => {
    const { model } = syntheticCnn(SMALL_CNN);
    const calibration = [images(16, 3)];
    const test = images(16, 4);
    const float = forwardModel(model, test);
    const sq = staticQuant('W8A8');
    runRecipe(model, [sq], { calibration });
    const quantized = forwardModel(withActivationQuantization(model, sq.plan()), test);
    const weightOnly = forwardModel(model, test);
    const [error, weightError, norm] = tf.tidy(() => [
      tf.norm(tf.sub(quantized, float)).dataSync()[0],
      tf.norm(tf.sub(weightOnly, float)).dataSync()[0],
      tf.norm(float).dataSync()[0],
    ]);
    tf.dispose([calibration, test, float, quantized, weightOnly]);
    expect(error / norm).toBeLessThan(0.03);
    expect(error).toBeGreaterThan(weightError); // the activation plan does change the outputs
  });

  it('W4A4 quantizes weights to codes in [−8, 7] and plans 4-bit activations', () => {
    const { model, targets } = syntheticCnn(SMALL_CNN);
    const calibration = [images(8, 5)];
    const sq = staticQuant(W4A4);
    runRecipe(model, [sq], { calibration });
    tf.dispose(calibration);
    for (const target of targets.values()) {
      const codes = Array.from(target.quantized!.codes);
      expect(Math.min(...codes)).toBeGreaterThanOrEqual(-8);
      expect(Math.max(...codes)).toBe(7);
    }
    const plan = sq.plan();
    expect(plan.args.bits).toBe(4);
    if (plan.mode === 'static')
      expect(Object.values(plan.qparams).every((q) => q.zeroPoint <= 15)).toBe(true);
  });

  it('weights: false leaves the weights as they are; activations: false needs no calibration and plans nothing', () => {
    const { model, targets } = syntheticCnn(SMALL_CNN);
    const before = targets.get('conv2')!.values.slice();
    const calibration = [images(4, 6)];
    const activationsOnly = staticQuant({ weights: false });
    const [report] = runRecipe(model, [activationsOnly], { calibration });
    tf.dispose(calibration);
    expect(targets.get('conv2')!.quantized).toBeUndefined();
    expect(targets.get('conv2')!.values).toEqual(before);
    expect(report.targets.map((t) => t.relativeError)).toEqual([undefined, undefined, undefined]);
    expect(Object.keys((activationsOnly.plan() as { qparams: object }).qparams)).toHaveLength(3);

    const weightsOnly = staticQuant({ activations: false });
    expect(weightsOnly.needsCalibration).toBe(false);
    runRecipe(model, [weightsOnly]);
    expect(targets.get('conv2')!.quantized).toBeDefined();
    expect(weightsOnly.plan()).toMatchObject({ mode: 'static', qparams: {} });
  });

  it('is NOT_READY before it has run, and without calibration batches', () => {
    const { model, targets } = syntheticCnn(SMALL_CNN);
    const sq = staticQuant();
    expectLowbitError(() => sq.plan(), 'NOT_READY', /run it with runRecipe/);
    expectLowbitError(() => runRecipe(model, [sq]), 'NOT_READY', /pass calibration batches to runRecipe/);
    expect(targets.get('conv1')!.quantized).toBeUndefined();
  });

  it('rejects calibration images of the wrong shape with BAD_TENSOR giving the expected shape', () => {
    const checked = syntheticCnn(SMALL_CNN, { expectedInput: SMALL_CNN_INPUT });
    const wrong = [images(4, 7, [1, 14, 14])];
    expectLowbitError(
      () => runRecipe(checked.model, [staticQuant()], { calibration: wrong }),
      'BAD_TENSOR',
      /\[N, 2, 14, 14\]; got \[4,1,14,14\]/,
    );
    // A model without its own check: the engine's error becomes BAD_TENSOR naming the batch.
    const unchecked = syntheticCnn(SMALL_CNN);
    expectLowbitError(
      () => runRecipe(unchecked.model, [staticQuant()], { calibration: wrong }),
      'BAD_TENSOR',
      /Calibration batch \[4,1,14,14\] does not run through block "graph"/,
      /pass batches of the model's input shape/,
    );
    tf.dispose(wrong);
    expect(unchecked.targets.get('conv1')!.quantized).toBeUndefined();
  });
});
