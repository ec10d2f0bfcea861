import {
  type Block,
  forwardModel,
  initBackend,
  type ProgressEvent,
  type QuantModel,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { rtn } from '@lowbit/rtn';
import { beforeAll, describe, expect, it } from 'vitest';
import { awq } from './awq-modifier';
import { awqConfig } from './config';
import { InputStats } from './input-stats';
import { searchScales } from './scale-search';
import { expectLowbitError } from './test-helpers';
import { toyCalibration, toyModel } from './test-model';

const QUANT = { bits: 3, groupSize: 4 };

function outputs(model: QuantModel, batches: tf.Tensor[]): Float32Array {
  return tf.tidy(
    () => tf.concat(batches.map((b) => tf.reshape(forwardModel(model, b), [-1]))).dataSync() as Float32Array,
  );
}

function meanSquaredDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, v, i) => sum + (v - b[i]) ** 2, 0) / a.length;
}

function values(target: Block['targets'][number]): Float32Array {
  const w = target.weight();
  const data = w.dataSync() as Float32Array;
  w.dispose();
  return data;
}

/** The first mapping's scales, searched by hand on the inputs block0's a and b see. */
function firstMappingScales(model: QuantModel, batches: tf.Tensor[]): Float32Array {
  const block = model.blocks[0];
  const stats = new InputStats(8);
  for (const x of batches) {
    tf.tidy(() =>
      block.forward(x, (name, input) => {
        if (name === 'block0.a') stats.add(input, name);
      }),
    );
  }
  const [a, b] = block.targets.slice(0, 2).map((t) => t.weight() as tf.Tensor2D);
  const gram = stats.gram();
  const { scales } = searchScales([a, b], stats.meanAbs(), gram, awqConfig(QUANT));
  tf.dispose([a, b, gram]);
  return scales;
}

describe.each(TEST_BACKENDS)('awq modifier on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('folds the searched scales through every mapping and leaves the float model unchanged', () => {
    const calibration = toyCalibration();
    const model = toyModel();
    const expectedScales = firstMappingScales(model, calibration);
    const originalA = values(model.blocks[0].targets[0]);
    const before = outputs(model, calibration);
    const tensors = tf.memory().numTensors;
    const [report] = runRecipe(model, [awq({ ...QUANT, clip: false })], { calibration });
    expect(tf.memory().numTensors).toBe(tensors);
    const after = outputs(model, calibration);
    const scale = Math.max(...before.map(Math.abs));
    after.forEach((v, i) => {
      expect(Math.abs(v - before[i]) / scale).toBeLessThan(1e-5);
    });
    const a = values(model.blocks[0].targets[0]);
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(originalA[i] * expectedScales[i % 8], 5);
    });
    expect(report.targets.map((t) => `${t.step} ${t.target} → ${t.balance}`)).toEqual([
      'scale block0.norm → block0.a, block0.b',
      'scale block0.b → block0.c',
      'scale block1.norm → block1.a, block1.b',
      'scale block1.b → block1.c',
    ]);
    for (const t of report.targets) {
      expect(Number.isInteger((t.ratio as number) * 20)).toBe(true);
      expect(t.mseAfter as number).toBeLessThanOrEqual(t.mseBefore as number);
    }
    // The outlier channels make the first mapping's RTN error worth protecting against.
    expect(report.targets[0].ratio).toBeGreaterThan(0);
    expect(report.targets[0].mseAfter as number).toBeLessThan(0.7 * (report.targets[0].mseBefore as number));
    tf.dispose(calibration);
  });

  it('clips every linear after the block is scaled, and [awq, rtn] beats rtn on the model output', () => {
    const calibration = toyCalibration();
    const reference = outputs(toyModel(), calibration);
    const rtnModel = toyModel();
    runRecipe(rtnModel, [rtn(QUANT)]);
    const awqModel = toyModel();
    const tensors = tf.memory().numTensors;
    const [report] = runRecipe(awqModel, [awq(QUANT), rtn(QUANT)], { calibration });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(
      report.targets.filter((t) => t.target.startsWith('block0')).map((t) => `${t.step} ${t.target}`),
    ).toEqual(['scale block0.norm', 'scale block0.b', 'clip block0.a', 'clip block0.b', 'clip block0.c']);
    for (const t of report.targets.filter((e) => e.step === 'clip')) {
      expect(t.clipRatioMin as number).toBeGreaterThanOrEqual(0.55);
      expect(t.clipRatioMean as number).toBeLessThanOrEqual(1);
      expect(t.mseAfter as number).toBeLessThanOrEqual(t.mseBefore as number);
    }
    const rtnError = meanSquaredDifference(outputs(rtnModel, calibration), reference);
    const awqError = meanSquaredDifference(outputs(awqModel, calibration), reference);
    expect(awqError).toBeLessThan(0.8 * rtnError);
    tf.dispose(calibration);
  });

  it('emits progress per mapping and per block', () => {
    const calibration = toyCalibration(1);
    const events: ProgressEvent[] = [];
    runRecipe(toyModel(), [awq(QUANT)], { calibration, onProgress: (e) => events.push(e) });
    expect(
      events.filter((e) => e.stage.startsWith('awq')).map((e) => `${e.stage} ${e.done}/${e.total} ${e.note}`),
    ).toEqual([
      'awq 1/2 block0.norm',
      'awq 2/2 block0.b',
      'awq-blocks 1/2 block0',
      'awq 1/2 block1.norm',
      'awq 2/2 block1.b',
      'awq-blocks 2/2 block1',
    ]);
    tf.dispose(calibration);
  });

  it('needs calibration, groups that fit every linear, linear balance targets and finite inputs', () => {
    const tensors = tf.memory().numTensors;
    expectLowbitError(
      () => runRecipe(toyModel(), [awq(QUANT)]),
      'NOT_READY',
      /"block0\.a" of block "block0"/,
      /calibration/,
    );
    const calibration = toyCalibration(1);
    expectLowbitError(
      () => runRecipe(toyModel(), [awq({ groupSize: 16 })], { calibration }),
      'BAD_ARGS',
      /groupSize 16 .* "block0\.a" \(8\)/,
    );
    expect(tf.memory().numTensors).toBe(tensors + calibration.length);
    const model = toyModel();
    const block = model.blocks[0];
    const broken: QuantModel = {
      ...model,
      blocks: [{ ...block, mappings: [{ ...block.mappings[0], balance: ['block0.z'] }] }],
    };
    expectLowbitError(
      () => runRecipe(broken, [awq(QUANT)], { calibration }),
      'BAD_ARGS',
      /"block0\.z", which is not a target/,
    );
    const mismatched: QuantModel = {
      ...model,
      blocks: [{ ...block, mappings: [{ ...block.mappings[0], balance: ['block0.a', 'block0.c'] }] }],
    };
    expectLowbitError(
      () => runRecipe(mismatched, [awq(QUANT)], { calibration }),
      'BAD_ARGS',
      /"block0\.a" \(input width \d+\) and "block0\.c" \(input width \d+\)/,
    );
    const nan = tf.fill([4, 8], Number.NaN);
    expectLowbitError(
      () => runRecipe(toyModel(), [awq(QUANT)], { calibration: [nan] }),
      'BAD_TENSOR',
      /layer "block0\.a"/,
    );
    tf.dispose([...calibration, nan]);
  });
});
