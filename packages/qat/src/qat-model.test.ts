import { ArrayTarget, type Block, initBackend, type QuantModel, tf } from '@lowbit/core-tensor';
import { expectLowbitError, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareQat } from './qat-model';
import { CNN_LAYERS, MLP_LAYERS } from './test-support/fixtures';
import { teacherTask } from './test-support/synthetic-data';
import { tinyModel } from './test-support/tiny-net';
import { trainQat } from './train';

const images = (count: number, seed: number) => {
  const data = teacherTask(count, 16, 2, seed);
  return { ...data, images: data.images.map((v) => Math.abs(v)), shape: [count, 1, 4, 4] as const };
};

describe.each(TEST_BACKENDS)('%s', (backend) => {
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

  it('creates a trainable weight, bias and input quantizer per target, calibrated by the observer', () => {
    const data = teacherTask(64, 8, 4, 5);
    const qat = prepareQat(tinyModel(MLP_LAYERS), {
      calibration: data,
      calibrationBatchSize: 16,
      weights: { bits: 4 },
      activations: { bits: 4, observer: 'minmax' },
    });
    try {
      expect([...qat.weights.keys()]).toEqual(['fc1', 'fc2']);
      expect([...qat.biases.keys()]).toEqual(['fc1', 'fc2']);
      expect([...qat.activations.keys()]).toEqual(['fc1', 'fc2']);
      expect(qat.inputShape).toEqual([1, 1, 8]);
      // torch.ao's min-max quint4 qparams of the raw input (fc1 sees it unchanged): range includes 0.
      const min = Math.min(0, ...data.images);
      const max = Math.max(0, ...data.images);
      const scale = (max - min) / 15;
      const { scale: s, zeroPoint } = qat.activations.get('fc1')!.qparams();
      expect(s).toBeCloseTo(scale, 5);
      expect(zeroPoint).toBe(Math.round(-min / scale));
      expect(qat.trainableVariables().length).toBe(2 + 2 + 2 + 4);
      expect(qat.trainableVariables(true).length).toBe(4);
    } finally {
      qat.dispose();
    }
  });

  it('range learning moves the activation scale; fixed ranges keep it while weights train', async () => {
    const data = teacherTask(256, 8, 4, 6);
    for (const range of ['learn', 'fixed'] as const) {
      const qat = prepareQat(tinyModel(MLP_LAYERS), { calibration: data, activations: { bits: 4, range } });
      try {
        const before = qat.activations.get('fc2')!.qparams().scale;
        const weightBefore = qat.weights.get('fc2')!.weight.dataSync().slice();
        await trainQat(qat, { train: data, epochs: 1, batchSize: 32, learningRate: 1e-2 });
        const after = qat.activations.get('fc2')!.qparams().scale;
        if (range === 'learn') expect(Math.abs(after / before - 1)).toBeGreaterThan(1e-3);
        else expect(after).toBe(before);
        expect(qat.weights.get('fc2')!.weight.dataSync()).not.toEqual(weightBefore);
      } finally {
        qat.dispose();
      }
    }
  });

  it('freezeRangesAfter stops learning the quantizer ranges (disable_observer)', async () => {
    const data = teacherTask(256, 8, 4, 7);
    const qat = prepareQat(tinyModel(MLP_LAYERS), { calibration: data, activations: { bits: 4 } });
    try {
      const scales: number[] = [];
      await trainQat(qat, {
        train: data,
        epochs: 2,
        batchSize: 32,
        learningRate: 1e-2,
        freezeRangesAfter: 0.5,
        onProgress: () => scales.push(qat.activations.get('fc2')!.qparams().scale),
      });
      // Steps 1–8 learn (scale after step k is scales[k−1]); steps 9–16 are frozen.
      expect(scales[7]).not.toBe(scales[0]);
      expect(new Set(scales.slice(7)).size).toBe(1);
    } finally {
      qat.dispose();
    }
  });

  it('runs BN in training mode until freezeBatchNormAfter, then on running statistics', async () => {
    const data = images(64, 8);
    const model = tinyModel(CNN_LAYERS);
    const qat = prepareQat(model, { calibration: data, activations: { bits: 8 } });
    try {
      expect(model.trainingFlags.every((f) => !f)).toBe(true);
      for (const [after, expected] of [
        [1, [true, true, true, true, false, false, false, false]],
        [0.25, [true, true, false, false, false, false, false, false]],
        [undefined, [true, true, true, true, true, true, true, true]],
      ] as const) {
        model.trainingFlags.length = 0;
        await trainQat(qat, { train: data, epochs: 2, batchSize: 16, freezeBatchNormAfter: after });
        expect(model.trainingFlags).toEqual(expected);
      }
    } finally {
      qat.dispose();
    }
  });

  it('refuses a model whose forward ignores ForwardOptions.parameters', () => {
    const target = new ArrayTarget('fc', 'linear', [2, 2], new Float32Array(4));
    const block: Block = {
      name: 'b',
      targets: [target],
      mappings: [],
      forward: (x, capture) => tf.tidy(() => capture?.('fc', x) ?? tf.clone(x)),
    };
    const model: QuantModel = {
      name: 'legacy',
      task: 'classifier',
      blocks: [block],
      outerTargets: [],
      embed: (b) => tf.reshape(b, [b.shape[0], -1]),
      head: (x) => tf.clone(x),
    };
    const data = teacherTask(4, 2, 2, 1);
    expectLowbitError(
      () => prepareQat(model, { calibration: data }),
      'UNSUPPORTED_OP',
      /ForwardOptions.parameters/,
    );
  });

  it('refuses missing calibration data and bad calibration sizes', () => {
    const model = tinyModel(MLP_LAYERS);
    expectLowbitError(() => prepareQat(model, {} as never), 'BAD_ARGS', /calibration/);
    expectLowbitError(() => prepareQat(model, { calibration: [] }), 'BAD_ARGS', /non-empty/);
    const data = teacherTask(8, 8, 4, 1);
    expectLowbitError(
      () => prepareQat(model, { calibration: data, calibrationBatchSize: 0 }),
      'BAD_ARGS',
      /positive integers/,
    );
  });
});
