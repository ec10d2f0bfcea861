import {
  ArrayTarget,
  type Block,
  initBackend,
  type ProgressEvent,
  type QuantModel,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { hqq } from './hqq-modifier';
import { hqqQuantizeTensor } from './quantize-tensor';
import { expectLowbitError, studentT2, take, withWeight } from './test-helpers';

/** One block: a linear [8, 64] and a conv [4, 2, 4, 4] (2-D view [4, 32]); an outer embedding [5, 32]. */
function toyModel(): QuantModel {
  const linear = new ArrayTarget('fc', 'linear', [8, 64], studentT2(8 * 64, 1));
  const conv = new ArrayTarget('conv', 'conv2d', [4, 2, 4, 4], studentT2(4 * 32, 2));
  const block: Block = {
    name: 'block0',
    targets: [linear, conv],
    mappings: [],
    forward: (x) => tf.tidy(() => tf.matMul(x, linear.weight(), false, true)),
  };
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [block],
    outerTargets: [new ArrayTarget('embed', 'embedding', [5, 32], studentT2(5 * 32, 3))],
    embed: (x) => tf.clone(x),
    head: (x) => tf.clone(x),
  };
}

describe.each(TEST_BACKENDS)('hqq modifier on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('quantizes linear and conv block targets data-free, reporting errors, steps and progress', () => {
    const model = toyModel();
    const [fc, conv] = model.blocks[0].targets as ArrayTarget[];
    const convValues = conv.values;
    const before = tf.memory().numTensors;
    const events: ProgressEvent[] = [];
    const modifier = hqq({ bits: 3, groupSize: 32 });
    expect(modifier.needsCalibration).toBe(false);
    const [report] = runRecipe(model, [modifier], { onProgress: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.modifier).toBe('hqq');
    expect(report.config).toMatchObject({ bits: 3, groupSize: 32, axis: 1, includeOuter: false });
    expect(report.targets.map((t) => t.target)).toEqual(['fc', 'conv']);
    for (const t of report.targets) {
      expect(t.relativeError).toBeGreaterThan(0);
      expect(t.meanAbsErrorAfter).toBeLessThanOrEqual(t.meanAbsErrorBefore as number);
      expect(t.iterations).toBeGreaterThan(0);
      expect(t.seconds).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.stage === 'hqq')).toEqual([
      { stage: 'hqq', done: 1, total: 2, note: 'fc' },
      { stage: 'hqq', done: 2, total: 2, note: 'conv' },
    ]);
    expect(fc.quantized?.paramShape).toEqual([8, 2]);
    // The conv is quantized as its [out, in·kh·kw] view, exactly as the tensor API does it.
    expect(conv.quantized?.shape).toEqual([4, 32]);
    const direct = withWeight(convValues, [4, 32], (w) => hqqQuantizeTensor(w, { bits: 3, groupSize: 32 }));
    expect(conv.quantized?.codes).toEqual(direct.quantized.codes);
    expect(conv.quantized?.zeroPoint).toEqual(direct.quantized.zeroPoint);
    expect(conv.weight().shape).toEqual([4, 2, 4, 4]);
    expect(model.outerTargets[0].quantized).toBeUndefined();
    // The block now computes with the dequantized weight.
    const x = tf.ones([1, 64]);
    const y = take(model.blocks[0].forward(x));
    const expected = take(tf.tidy(() => tf.matMul(x, fc.quantized!.dequantize(), false, true)));
    expect(Array.from(y)).toEqual(Array.from(expected));
    x.dispose();
  });

  it('quantizes the outer targets on request', () => {
    const model = toyModel();
    const [report] = runRecipe(model, [hqq({ groupSize: 32, includeOuter: true })]);
    expect(report.targets.map((t) => t.target)).toEqual(['fc', 'conv', 'embed']);
    expect(model.outerTargets[0].quantized?.args.zeroPointDomain).toBe('float');
  });

  it('rejects a bad config when the modifier is made, and a too-large group naming the target', () => {
    expectLowbitError(() => hqq({ kappa: 0.5 }), 'BAD_ARGS', /kappa is 0.5/);
    const before = tf.memory().numTensors;
    expectLowbitError(
      () => runRecipe(toyModel(), [hqq()]),
      'BAD_ARGS',
      /input dimension of weight "conv" \(32\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
