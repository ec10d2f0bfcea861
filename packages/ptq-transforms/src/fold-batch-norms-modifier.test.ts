import {
  ArrayTarget,
  type Block,
  forwardModel,
  initBackend,
  QuantizedTensor,
  quantArgs,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import {
  expectLowbitError,
  syntheticImages as images,
  SMALL_CNN,
  syntheticCnn,
  TEST_BACKENDS,
} from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { foldBatchNorms } from './fold-batch-norms-modifier';
import type { TransformReport } from './report';

/** max |a − b| / max |a|. */
function relativeMaxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0]);
}

describe.each(TEST_BACKENDS)('foldBatchNorms (%s)', (backend) => {
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

  it('folds each BN into its conv, bypasses it and leaves the outputs unchanged within 1e-5', () => {
    const cnn = syntheticCnn(SMALL_CNN);
    const sites = [...cnn.block.batchNorms!];
    const before = new Map(
      [...cnn.targets].map(([name, t]) => [name, { w: t.values.slice(), b: t.bias.read() }]),
    );
    const x = images(8, 1);
    const expected = forwardModel(cnn.model, x);
    const [report] = runRecipe(cnn.model, [foldBatchNorms()]);
    const actual = forwardModel(cnn.model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    expect(cnn.bypassed('bn1') && cnn.bypassed('bn2')).toBe(true);
    expect(cnn.block.batchNorms).toEqual([]);
    for (const site of sites) {
      const target = cnn.targets.get(site.target)!;
      const { w, b } = before.get(site.target)!;
      const row = w.length / site.gamma.length;
      for (let i = 0; i < w.length; i++) {
        const c = Math.floor(i / row);
        expect(target.values[i]).toBeCloseTo(
          (w[i] * site.gamma[c]) / Math.sqrt(site.variance[c] + site.epsilon),
          6,
        );
      }
      const bias = target.bias.read();
      for (let c = 0; c < b.length; c++) {
        const scale = site.gamma[c] / Math.sqrt(site.variance[c] + site.epsilon);
        expect(bias[c]).toBeCloseTo((b[c] - site.mean[c]) * scale + site.beta[c], 6);
      }
    }
    expect(cnn.targets.get('fc')!.values).toEqual(before.get('fc')!.w);
    expect(report.targets.map((t) => [t.target, t.batchNorm])).toEqual([
      ['conv1', 'bn1'],
      ['conv2', 'bn2'],
    ]);
    expect((report as TransformReport).notes).toEqual([]);
  });

  it('is a no-op with a note on a block without batch norms', () => {
    const cnn = syntheticCnn(SMALL_CNN.filter((s) => s.op !== 'bn'));
    const conv1 = cnn.targets.get('conv1')!.values.slice();
    const fold = foldBatchNorms();
    const [report] = runRecipe(cnn.model, [fold]);
    expect(report.targets).toEqual([]);
    expect(fold.finalize().notes).toEqual(['block "graph" has no foldable batch norms; nothing to fold.']);
    expect((report as TransformReport).notes[0]).toMatch(/no foldable batch norms/);
    expect(cnn.targets.get('conv1')!.values).toEqual(conv1);
  });

  it('refuses a site whose target has no bias (UNSUPPORTED_OP naming it) and a quantized target', () => {
    const target = new ArrayTarget('dense.kernel', 'linear', [2, 2], Float32Array.of(1, 2, 3, 4));
    const site = {
      name: 'bn',
      target: 'dense.kernel',
      gamma: Float32Array.of(1, 1),
      beta: new Float32Array(2),
      mean: new Float32Array(2),
      variance: Float32Array.of(1, 1),
      epsilon: 0,
      bypass: () => {},
    };
    const block: Block = {
      name: 'graph',
      targets: [target],
      mappings: [],
      batchNorms: [site],
      forward: (x) => tf.clone(x),
    };
    const fold = foldBatchNorms();
    expectLowbitError(
      () => fold.applyBlock(block, { model: undefined as never, blockIndex: 0, inputs: [] }),
      'UNSUPPORTED_OP',
      /"dense\.kernel"/,
      /no bias/,
    );
    const cnn = syntheticCnn(SMALL_CNN);
    const conv1 = cnn.targets.get('conv1')!;
    const w = tf.tidy(() => tf.reshape(conv1.weight(), [4, -1]));
    conv1.setWeight(QuantizedTensor.fromTensor(w, quantArgs({ bits: 8 })));
    w.dispose();
    expectLowbitError(
      () => runRecipe(cnn.model, [foldBatchNorms()]),
      'BAD_ARGS',
      /"conv1" is already quantized; put foldBatchNorms\(\) before/,
    );
  });
});
