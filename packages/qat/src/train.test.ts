import { initBackend, tf } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateQat } from './evaluate';
import { prepareQat, type QatModel } from './qat-model';
import { MLP_LAYERS, pretrainedMlp } from './test-support/fixtures';
import { teacherTask } from './test-support/synthetic-data';
import { tinyModel } from './test-support/tiny-net';
import { trainQat } from './train';

describe('trainQat (wasm)', () => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  function withQat<T>(run: (qat: QatModel) => Promise<T>): Promise<T> {
    const data = teacherTask(128, 8, 4, 3);
    const qat = prepareQat(tinyModel(MLP_LAYERS), { calibration: data, activations: { bits: 4 } });
    return run(qat).finally(() => qat.dispose());
  }

  it('W4A4 QAT of a float MLP beats its post-training starting point on held-out data', async () => {
    const { model, train, test } = pretrainedMlp();
    const qat = prepareQat(model, {
      calibration: train,
      weights: { bits: 4, init: 'minmax', granularity: 'tensor' },
      activations: { bits: 4, observer: 'minmax' },
    });
    try {
      const before = evaluateQat(qat, test);
      const history = await trainQat(qat, {
        train,
        epochs: 2,
        batchSize: 64,
        learningRate: 1e-3,
        heldOut: test,
        seed: 1,
      });
      const after = history.epochs.at(-1)!;
      expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.015);
      expect(after.heldOutLoss).toBeLessThan(before.loss);
      expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(history.stepLosses.length).toBe(2 * 128);
      expect(history.epochs.every((e) => e.seconds > 0)).toBe(true);
    } finally {
      qat.dispose();
    }
  });

  it('holds the same number of tensors after every step and reports progress', async () => {
    await withQat(async (qat) => {
      const counts: number[] = [];
      const events: string[] = [];
      await trainQat(qat, {
        train: teacherTask(128, 8, 4, 4),
        epochs: 2,
        batchSize: 32,
        onProgress: (e) => {
          counts.push(tf.memory().numTensors);
          events.push(`${e.stage} ${e.done}/${e.total} ${e.note?.split(' loss')[0]}`);
        },
      });
      // Adam creates its slots in step 1; after that, nothing accumulates.
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(events[0]).toBe('qat 1/8 epoch 1');
      expect(events[7]).toBe('qat 8/8 epoch 2');
    });
  });

  it('takes sgd and a caller-owned optimizer (left undisposed), with weight decay and a constant rate', async () => {
    await withQat(async (qat) => {
      const train = teacherTask(64, 8, 4, 9);
      const sgd = await trainQat(qat, { train, optimizer: 'sgd', learningRate: 1e-2, weightDecay: 1e-4 });
      expect(Number.isFinite(sgd.epochs[0].loss)).toBe(true);
      const optimizer = tf.train.adam(1e-3);
      await trainQat(qat, { train, optimizer, schedule: 'constant' });
      expect(tf.memory().numTensors).toBeGreaterThan(baseline);
      optimizer.dispose();
    });
  });

  it.each([Number.NaN, 0, -1, Number.POSITIVE_INFINITY])(
    'rejects learningRate %s, naming it',
    async (learningRate) => {
      await withQat(async (qat) => {
        expectLowbitError(
          () => trainQat(qat, { train: teacherTask(8, 8, 4, 1), learningRate }),
          'BAD_ARGS',
          /learningRate is/,
        );
      });
    },
  );

  it('rejects epochs 0, a bad batch size, labels of the wrong length and images of the wrong shape', async () => {
    await withQat(async (qat) => {
      const train = teacherTask(16, 8, 4, 1);
      expectLowbitError(() => trainQat(qat, { train, epochs: 0 }), 'BAD_ARGS', /epochs is 0/);
      expectLowbitError(() => trainQat(qat, { train, batchSize: 0.5 }), 'BAD_ARGS', /batchSize/);
      expectLowbitError(
        () => trainQat(qat, { train: { ...train, labels: new Int32Array(3) } }),
        'BAD_TENSOR',
        /3 labels for 16 images/,
      );
      const wrong = { images: new Float32Array(16 * 9), shape: [16, 1, 3, 3], labels: train.labels };
      expectLowbitError(() => trainQat(qat, { train: wrong }), 'BAD_TENSOR', 'the model takes [N, 1, 1, 8]');
      expectLowbitError(
        () => trainQat(qat, { train: { ...train, images: new Float32Array(10) } }),
        'BAD_TENSOR',
        /needs 128/,
      );
      expectLowbitError(
        () => trainQat(qat, { train, freezeBatchNormAfter: -1 }),
        'BAD_ARGS',
        /freezeBatchNormAfter/,
      );
      expectLowbitError(() => trainQat(qat, { train, optimizer: 'rmsprop' as 'adam' }), 'BAD_ARGS', /adam/);
    });
  });
});
