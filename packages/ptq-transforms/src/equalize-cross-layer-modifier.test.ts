import { forwardModel, initBackend, runRecipe, tf } from '@lowbit/core-tensor';
import {
  expectLowbitError,
  syntheticImages as images,
  type SyntheticLayerSpec as LayerSpec,
  SMALL_CNN,
  syntheticCnn,
  TEST_BACKENDS,
} from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { equalizeCrossLayer } from './equalize-cross-layer-modifier';
import { inputChannelRanges, outputChannelRanges } from './equalize-math';
import { foldBatchNorms } from './fold-batch-norms-modifier';
import type { TransformReport } from './report';

/** conv → relu → maxpool → conv → relu → conv → relu → flatten → dense → relu → dense. */
const CHAIN: readonly LayerSpec[] = [
  { op: 'conv', name: 'conv1', out: 4, in: 2, kernel: 3 },
  { op: 'relu' },
  { op: 'maxpool' },
  { op: 'conv', name: 'conv2', out: 5, in: 4, kernel: 3 },
  { op: 'relu' },
  { op: 'conv', name: 'conv3', out: 6, in: 5, kernel: 3 },
  { op: 'relu' },
  { op: 'flatten' },
  { op: 'dense', name: 'fc1', out: 8, in: 24 },
  { op: 'relu' },
  { op: 'dense', name: 'fc2', out: 3, in: 8 },
];

function relativeMaxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0]);
}

describe.each(TEST_BACKENDS)('equalizeCrossLayer (%s)', (backend) => {
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

  it('leaves float outputs unchanged within 1e-4 and equalizes r1 and r2 of every pair', () => {
    const cnn = syntheticCnn(CHAIN);
    const x = images(8, 2);
    const expected = forwardModel(cnn.model, x);
    const before = outputChannelRanges(cnn.targets.get('conv1')!.values, 4);
    const cle = equalizeCrossLayer();
    const [report] = runRecipe(cnn.model, [cle]);
    const actual = forwardModel(cnn.model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThan(1e-4);
    tf.dispose([x, expected, actual]);
    for (const [smooth, balance] of [
      ['conv1', 'conv2'],
      ['conv2', 'conv3'],
      ['fc1', 'fc2'],
    ]) {
      const first = cnn.targets.get(smooth)!;
      const next = cnn.targets.get(balance)!;
      const r1 = outputChannelRanges(first.values, first.shape[0]);
      const r2 = inputChannelRanges(next.values, next.shape, first.shape[0]);
      r1.forEach((r, i) => {
        expect(Math.abs(r - r2[i]) / r).toBeLessThan(1e-3);
      });
    }
    const after = outputChannelRanges(cnn.targets.get('conv1')!.values, 4);
    expect(Math.max(...after) / Math.min(...after)).toBeLessThan(Math.max(...before) / Math.min(...before));
    expect(report.targets.map((t) => [t.target, t.balance])).toEqual([
      ['conv1', 'conv2'],
      ['conv2', 'conv3'],
      ['fc1', 'fc2'],
    ]);
    expect(report.targets[0].sweeps).toBeGreaterThan(1);
    expect(report.targets[0].lastChange).toBeLessThanOrEqual(1e-4);
    expect((report as TransformReport).notes).toEqual([
      "skipped conv3 → fc1: the next layer's 24 inputs are not the 6 output channels (grouped conv or flatten).",
    ]);
  });

  it('one sweep equalizes a single pair exactly: both ranges become √(r1·r2)', () => {
    const cnn = syntheticCnn(CHAIN.slice(0, 4));
    const conv1 = cnn.targets.get('conv1')!;
    const conv2 = cnn.targets.get('conv2')!;
    const r1 = outputChannelRanges(conv1.values, 4);
    const r2 = inputChannelRanges(conv2.values, conv2.shape, 4);
    const [report] = runRecipe(cnn.model, [equalizeCrossLayer({ iterations: 1 })]);
    const after1 = outputChannelRanges(conv1.values, 4);
    const after2 = inputChannelRanges(conv2.values, conv2.shape, 4);
    r1.forEach((r, i) => {
      expect(after1[i]).toBeCloseTo(Math.sqrt(r * r2[i]), 5);
      expect(after2[i]).toBeCloseTo(Math.sqrt(r * r2[i]), 5);
    });
    expect(report.targets[0].sweeps).toBe(1);
  });

  it('skips pairs with an unfolded batch norm, and equalizes them after foldBatchNorms', () => {
    const cnn = syntheticCnn(SMALL_CNN);
    const [unfolded] = runRecipe(cnn.model, [equalizeCrossLayer()]);
    expect((unfolded as TransformReport).notes).toContain(
      'skipped conv1 → conv2: batch norm after "conv1" is not folded; run foldBatchNorms() first.',
    );
    const x = images(4, 3);
    const expected = forwardModel(cnn.model, x);
    const [, cle] = runRecipe(cnn.model, [foldBatchNorms(), equalizeCrossLayer()]);
    const actual = forwardModel(cnn.model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThan(1e-4);
    tf.dispose([x, expected, actual]);
    expect(cle.targets.map((t) => t.target)).toEqual(['conv1']);
  });

  it('skips a block without equalizable pairs with a note, and rejects bad options and quantized targets', () => {
    const cnn = syntheticCnn(CHAIN, { mappings: false });
    const cle = equalizeCrossLayer();
    runRecipe(cnn.model, [cle]);
    expect(cle.finalize().notes).toEqual(['block "graph" has no conv/linear pairs to equalize.']);
    expectLowbitError(() => equalizeCrossLayer({ iterations: 0 }), 'BAD_ARGS', /iterations is 0/);
    expectLowbitError(() => equalizeCrossLayer({ tolerance: -1 }), 'BAD_ARGS', /tolerance is -1/);
  });
});
