import { forwardModel, initBackend, runRecipe, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { top1Accuracy } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { W8A8 } from './presets';
import { staticQuant } from './static-quant-modifier';
import { calibrationBatches, fashionMnist, fashionMnistCnn } from './test-support/fashion-mnist';

const train = fashionMnist('train', 256);
const test = fashionMnist('t10k', 2000);
const present = Boolean(train && test && fashionMnistCnn());

describe.skipIf(!present)('staticQuant on the pretrained Fashion-MNIST CNN (wasm)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('W8A8 minmax with 256 calibration images stays within 0.5 points of FP32 on the first 2000 t10k images', () => {
    const model = fashionMnistCnn()!;
    const fp32 = top1Accuracy(model, test!);
    const before = tf.memory().numTensors;
    const calibration = calibrationBatches(train!, 256).map((b) =>
      tf.tensor4d(b, [b.length / 784, 1, 28, 28]),
    );
    const sq = staticQuant(W8A8);
    const [report] = runRecipe(model, [sq], { calibration });
    tf.dispose(calibration);
    const w8a8 = top1Accuracy(withActivationQuantization(model, sq.plan()), test!);
    expect(tf.memory().numTensors).toBe(before);
    console.log(
      `FP32 ${(100 * fp32.accuracy).toFixed(2)} %, W8A8 minmax ${(100 * w8a8.accuracy).toFixed(2)} % on 2000 t10k images (${report.seconds.toFixed(2)} s)`,
    );
    expect(fp32.accuracy).toBeGreaterThan(0.85);
    expect(Math.abs(w8a8.accuracy - fp32.accuracy)).toBeLessThanOrEqual(0.005);
    expect(report.targets.map((t) => t.target)).toEqual(model.blocks[0].targets.map((t) => t.name));
    for (const row of report.targets) {
      expect(row.relativeError).toBeLessThan(0.02);
      expect(row.activationScale).toBeGreaterThan(0);
    }
    // The first conv's input is pixel/255 in [0, 1]: scale 1/255, zero point 0.
    expect(report.targets[0].activationScale).toBeCloseTo(1 / 255, 6);
    expect(report.targets[0].activationZeroPoint).toBe(0);
  });

  it('rejects calibration images of the wrong shape with BAD_TENSOR giving the graph input shape', () => {
    const model = fashionMnistCnn()!;
    const before = tf.memory().numTensors;
    const flat = [tf.zeros([4, 784])];
    const error = expectLowbitError(
      () => runRecipe(model, [staticQuant()], { calibration: flat }),
      'BAD_TENSOR',
      /must be \[.*1, 28, 28\]/,
      /got \[4,784\]/,
    );
    tf.dispose(flat);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.blocks[0].targets.every((t) => t.quantized === undefined)).toBe(true);
    expect(error.message).toMatch(/any batch size/);
    const logits = tf.tidy(() => forwardModel(model, tf.zeros([1, 1, 28, 28])));
    expect(logits.shape).toEqual([1, 10]);
    logits.dispose();
  });
});
