import { forwardModel, initBackend, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { expectLowbitError, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QatOptions } from './config';
import { convertQat } from './convert';
import { prepareQat } from './qat-model';
import { CNN_LAYERS, MLP_LAYERS } from './test-support/fixtures';
import { imagesOf, teacherTask } from './test-support/synthetic-data';
import { type LayerSpec, tinyModel } from './test-support/tiny-net';
import { trainQat } from './train';

function cnnData(count: number, seed: number) {
  const data = teacherTask(count, 16, 2, seed);
  return { ...data, shape: [count, 1, 4, 4] as const };
}

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

  it.each<[string, LayerSpec[], QatOptions]>([
    ['MLP W4A4 LSQ', MLP_LAYERS, { weights: { bits: 4 }, activations: { bits: 4 } }],
    [
      'CNN+BN W3A8 per-tensor',
      CNN_LAYERS,
      { weights: { bits: 3, granularity: 'tensor' }, activations: { bits: 8 } },
    ],
    [
      'MLP W2A4 symmetric activations',
      MLP_LAYERS,
      { weights: { bits: 2 }, activations: { bits: 4, symmetric: true } },
    ],
    ['MLP binary weights', MLP_LAYERS, { weights: { quantizer: 'binary' }, activations: { bits: 8 } }],
  ])(
    '%s: the converted model under withActivationQuantization computes what QAT simulated',
    async (_, layers, options) => {
      const data = layers === CNN_LAYERS ? cnnData(128, 3) : teacherTask(128, 8, 4, 3);
      const model = tinyModel(layers);
      const qat = prepareQat(model, { ...options, calibration: data });
      await trainQat(qat, {
        train: data,
        epochs: 1,
        batchSize: 32,
        learningRate: 1e-2,
        freezeBatchNormAfter: 0.5,
      });
      const batch = imagesOf(data);
      const simulated = qat.forward(batch, { training: false });
      const trainedBias = qat.biases.get(layers[0].name)!.dataSync().slice();
      const { model: converted, plan } = convertQat(qat);
      const real = forwardModel(withActivationQuantization(converted, plan!), batch);
      try {
        const [a, b] = [simulated.dataSync(), real.dataSync()];
        a.forEach((v, i) => {
          expect(b[i]).toBeCloseTo(v, 5);
        });
        const argmax = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.argMax(t, 1).dataSync()));
        expect(argmax(real)).toEqual(argmax(simulated));
        expect(plan!.mode).toBe('static');
        if (plan!.mode === 'static') expect(Object.keys(plan!.qparams)).toEqual(layers.map((l) => l.name));
        const target = model.targetsByName.get(layers[0].name)!;
        expect(target.quantized?.args.bits).toBe(
          options.weights?.quantizer === 'binary' ? 2 : options.weights?.bits,
        );
        expect(Array.from(target.bias.read())).toEqual(Array.from(trainedBias));
      } finally {
        tf.dispose([batch, simulated, real]);
      }
    },
  );

  it('frees every QAT variable and refuses further use', () => {
    const data = teacherTask(32, 8, 4, 1);
    const before = tf.memory().numTensors;
    const qat = prepareQat(tinyModel(MLP_LAYERS), { calibration: data, activations: false });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    const { plan } = convertQat(qat);
    expect(plan).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    expectLowbitError(() => convertQat(qat), 'NOT_READY', /prepareQat/);
    expectLowbitError(() => trainQat(qat, { train: data }), 'NOT_READY');
  });
});
