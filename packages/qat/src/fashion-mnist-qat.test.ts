// Integration: W4A4 QAT of the real pretrained Fashion-MNIST CNN (ONNX) on Debian's train split.
import { forwardModel, initBackend, testDataPath, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { loadImageClassification, loadOnnxModel } from '@lowbit/models';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { convertQat } from './convert';
import { evaluateQat } from './evaluate';
import { prepareQat } from './qat-model';
import { trainQat } from './train';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const files = (() => {
  const model = testDataPath('cnn/fashion-mnist-cnn.onnx');
  const images = testDataPath('train-images-idx3-ubyte.gz', FASHION_MNIST);
  const labels = testDataPath('train-labels-idx1-ubyte.gz', FASHION_MNIST);
  return model && images && labels ? { model, images, labels } : undefined;
})();

describe.skipIf(!files)('Fashion-MNIST CNN (wasm)', () => {
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

  it('W4A4 LSQ QAT lowers the training loss in a few steps; the converted model computes the same', async () => {
    const { model: path, images, labels } = files!;
    const data = loadImageClassification(images, labels, { limit: 384 });
    const model = loadOnnxModel(path);
    const qat = prepareQat(model, {
      calibration: data,
      calibrationSize: 128,
      weights: { bits: 4, init: 'minmax' },
      activations: { bits: 4, observer: 'minmax' },
    });
    const batch = tf.tensor4d(data.images.subarray(0, 64 * 784), [64, 1, 28, 28]);
    let simulated: tf.Tensor;
    try {
      expect(qat.weights.size).toBe(model.blocks[0].targets.length);
      expect(qat.activations.size).toBe(model.blocks[0].targets.length);
      const before = evaluateQat(qat, data).loss;
      const history = await trainQat(qat, {
        train: data,
        epochs: 2,
        batchSize: 64,
        learningRate: 1e-3,
        seed: 3,
      });
      const after = evaluateQat(qat, data).loss;
      console.log(`Fashion-MNIST W4A4 QAT: training loss ${before.toFixed(4)} → ${after.toFixed(4)}`);
      expect(history.stepLosses.length).toBe(12);
      expect(after).toBeLessThan(0.98 * before);
      simulated = qat.forward(batch);
    } catch (e) {
      qat.dispose();
      batch.dispose();
      throw e;
    }
    const { model: converted, plan } = convertQat(qat);
    const real = forwardModel(withActivationQuantization(converted, plan!), batch);
    try {
      const [a, b] = [simulated.dataSync(), real.dataSync()];
      let worst = 0;
      a.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - b[i]));
      });
      expect(worst).toBeLessThan(1e-4);
      expect(model.blocks[0].targets.every((t) => t.quantized?.args.bits === 4)).toBe(true);
    } finally {
      tf.dispose([batch, simulated, real]);
    }
  });
});
