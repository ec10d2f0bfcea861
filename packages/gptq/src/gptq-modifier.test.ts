import {
  type Block,
  initBackend,
  type ProgressEvent,
  QuantizedTensor,
  type QuantModel,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GptqConfigInput, gptqConfig } from './config';
import { gptqQuantArgs } from './gptq-args';
import { accumulateHessian, createHessian, gptqQuantizeWeight, type HessianState } from './gptq-math';
import { gptq } from './gptq-modifier';
import { expectLowbitError, outputSquaredError } from './test-helpers';
import { toyCalibration, toyModel } from './test-model';

const CONFIG: GptqConfigInput = { bits: 3, groupSize: 4, blockSize: 4 };

/**
 * The expected result, written out directly: per block, per group, Hessians from the inputs the
 * block computes now (earlier groups already quantized), then gptqQuantizeWeight on each target.
 */
function quantizeByHand(
  model: QuantModel,
  batches: tf.Tensor[],
  groupsOf: (block: Block) => string[][],
): void {
  let inputs = batches.map((b) => model.embed(b));
  for (const block of model.blocks) {
    for (const group of groupsOf(block)) {
      const states = new Map<string, HessianState>();
      for (const x of inputs) {
        tf.tidy(() => {
          block.forward(x, (name, input) => {
            if (!group.includes(name)) return;
            const rows = input as tf.Tensor2D;
            if (!states.has(name)) states.set(name, createHessian(rows.shape[1]));
            accumulateHessian(states.get(name)!, rows);
          });
        });
      }
      for (const target of block.targets.filter((t) => group.includes(t.name))) {
        const { h: values, columns } = states.get(target.name)!;
        const h = tf.tensor2d(values, [columns, columns]);
        const weight = target.weight() as tf.Tensor2D;
        target.setWeight(gptqQuantizeWeight(weight, h, CONFIG, target.name).quantized);
        tf.dispose([weight, h]);
      }
    }
    const next = inputs.map((x) => block.forward(x));
    tf.dispose(inputs);
    inputs = next;
  }
  tf.dispose(inputs);
}

function codesOf(model: QuantModel): number[][] {
  return model.blocks.flatMap((b) =>
    b.targets.filter((t) => t.kind === 'linear').map((t) => Array.from(t.quantized!.codes)),
  );
}

describe.each(TEST_BACKENDS)('gptq modifier on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('quantizes group by group with inputs re-captured after the earlier groups (trueSequential)', () => {
    const calibration = toyCalibration();
    const codes = [true, false].map((trueSequential) => {
      const model = toyModel();
      const before = tf.memory().numTensors;
      runRecipe(model, [gptq({ ...CONFIG, trueSequential })], { calibration });
      expect(tf.memory().numTensors).toBe(before);
      for (const block of model.blocks) expect(block.targets[3].quantized).toBeUndefined();
      const expected = toyModel();
      const groups = (block: Block) =>
        trueSequential
          ? (block.sequentialGroups as string[][])
          : [block.targets.slice(0, 3).map((t) => t.name)];
      quantizeByHand(expected, calibration, groups);
      expect(codesOf(model)).toEqual(codesOf(expected));
      return codesOf(model);
    });
    // block0.o sees relu(x·q̂ᵀ) + x·k̂ᵀ with quantized q, k only when true-sequential.
    expect(codes[0].slice(0, 2)).toEqual(codes[1].slice(0, 2));
    expect(codes[0][2]).not.toEqual(codes[1][2]);
    tf.dispose(calibration);
  });

  it('reports per layer the mean squared output error of GPTQ and of RTN on the calibration rows', () => {
    const calibration = toyCalibration();
    const model = toyModel();
    const original = model.blocks[0].targets[0].weight() as tf.Tensor2D;
    const [report] = runRecipe(model, [gptq(CONFIG)], { calibration });
    expect(report.modifier).toBe('gptq');
    expect(report.config).toEqual({ ...gptqConfig(CONFIG) });
    expect(report.targets.map((t) => t.target)).toEqual(
      ['block0', 'block1'].flatMap((b) => ['q', 'k', 'o'].map((n) => `${b}.${n}`)),
    );
    // block0.q sees the calibration rows themselves: loss = ‖X (W − Ŵ)ᵀ‖² / n.
    const x = tf.concat(calibration) as tf.Tensor2D;
    const gptqWeight = model.blocks[0].targets[0].quantized!.dequantize();
    const rtnWeight = QuantizedTensor.fromTensor(original, gptqQuantArgs(gptqConfig(CONFIG))).dequantize();
    const q = report.targets[0];
    expect(q.gptqLoss).toBeCloseTo(outputSquaredError(original, gptqWeight, x) / x.shape[0], 3);
    expect(q.rtnLoss).toBeCloseTo(outputSquaredError(original, rtnWeight, x) / x.shape[0], 3);
    for (const t of report.targets) {
      expect(t.gptqLoss as number).toBeLessThan(t.rtnLoss as number);
      expect(t.damp).toBeGreaterThan(0);
      expect(t.relativeError).toBeGreaterThan(0);
      expect(t.seconds).toBeGreaterThanOrEqual(0);
    }
    tf.dispose([...calibration, x, original, gptqWeight, rtnWeight]);
  });

  it('emits progress per layer and per block', () => {
    const calibration = toyCalibration();
    const events: ProgressEvent[] = [];
    runRecipe(toyModel(), [gptq(CONFIG)], { calibration, onProgress: (e) => events.push(e) });
    const layers = events.filter((e) => e.stage === 'gptq');
    expect(layers.map((e) => `${e.done}/${e.total} ${e.note}`)).toEqual(
      ['block0', 'block1'].flatMap((b) => ['q', 'k', 'o'].map((n, i) => `${i + 1}/3 ${b}.${n}`)),
    );
    const blocks = events.filter((e) => e.stage === 'gptq-blocks');
    expect(blocks.map((e) => `${e.done}/${e.total} ${e.note}`)).toEqual(['1/2 block0', '2/2 block1']);
    tf.dispose(calibration);
  });

  it('quantizes outer targets on request with an identity Hessian, i.e. round to nearest', () => {
    const calibration = toyCalibration();
    const model = toyModel();
    const embedding = model.outerTargets[0].weight() as tf.Tensor2D;
    const [report] = runRecipe(model, [gptq({ ...CONFIG, includeOuter: true })], { calibration });
    expect(report.targets.at(-1)).toMatchObject({ target: 'embed', hessian: 'identity' });
    const rtn = QuantizedTensor.fromTensor(embedding, gptqQuantArgs(gptqConfig(CONFIG)));
    expect(Array.from(model.outerTargets[0].quantized!.codes)).toEqual(Array.from(rtn.codes));
    tf.dispose([...calibration, embedding]);
  });

  it('needs calibration data and group sizes that fit every layer', () => {
    expectLowbitError(
      () => runRecipe(toyModel(), [gptq(CONFIG)]),
      'NOT_READY',
      /"block0\.q"/,
      /"block0"/,
      /calibration/,
    );
    expectLowbitError(
      () => runRecipe(toyModel(), [gptq({ groupSize: 8 })], { calibration: [] }),
      'BAD_ARGS',
      /groupSize 8 .* "block0\.o" \(6\)/,
    );
  });
});
