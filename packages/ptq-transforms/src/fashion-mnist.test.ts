import { forwardModel, initBackend, runRecipe, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { top1Accuracy } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { withBiasCorrection } from './bias-correction-modifier';
import { equalizeCrossLayer } from './equalize-cross-layer-modifier';
import { foldBatchNorms } from './fold-batch-norms-modifier';
import type { TransformReport } from './report';
import {
  calibrationBatches,
  fashionMnist,
  fashionMnistCnn,
  logitsOutput,
} from './test-support/fashion-mnist';
import { testQuantizer } from './test-support/test-quantizer';

const train = fashionMnist('train', 256);
const test = fashionMnist('t10k', 500);
const present = Boolean(train && test && fashionMnistCnn());

function relativeMaxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0]);
}

describe.skipIf(!present)('PTQ transforms on the pretrained Fashion-MNIST CNN (wasm)', () => {
  const calibration = () =>
    calibrationBatches(train!, 256).map((b) => tf.tensor4d(b, [b.length / 784, 1, 28, 28]));

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('BN folding is a no-op with a note; CLE leaves the outputs unchanged within 1e-4', () => {
    const model = fashionMnistCnn()!;
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(test!.images.subarray(0, 64 * 784), [64, 1, 28, 28]);
    const expected = forwardModel(model, x);
    const [fold, cle] = runRecipe(model, [foldBatchNorms(), equalizeCrossLayer()]) as TransformReport[];
    const actual = forwardModel(model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThan(1e-4);
    tf.dispose([x, expected, actual]);
    expect(tf.memory().numTensors).toBe(before);
    expect(fold.targets).toEqual([]);
    expect(fold.notes).toEqual(['block "graph" has no foldable batch norms; nothing to fold.']);
    expect(cle.targets.length).toBeGreaterThanOrEqual(2);
    console.log(
      `CLE pairs: ${cle.targets.map((t) => `${t.target} → ${t.balance}`).join(', ')}; notes: ${cle.notes.join(' ')}`,
    );
  });

  it('bias correction zeroes the mean logit shift of W4 per-tensor A8 on the calibration data', async () => {
    const means = (model: Parameters<typeof forwardModel>[0], batches: tf.Tensor[]) =>
      tf.tidy(() =>
        Array.from(
          tf
            .mean(
              tf.concat(
                batches.map((x) => forwardModel(model, x)),
                0,
              ),
              0,
            )
            .dataSync(),
        ),
      );
    const run = (corrected: boolean) => {
      const model = fashionMnistCnn(logitsOutput(fashionMnistCnn()!))!;
      const batches = calibration();
      const floatMeans = means(model, batches);
      const quantizer = testQuantizer(4, 8);
      runRecipe(model, [corrected ? withBiasCorrection(quantizer) : quantizer], { calibration: batches });
      const quantized = withActivationQuantization(model, quantizer.plan());
      const shift = means(quantized, batches).map((m, c) => Math.abs(m - floatMeans[c]));
      tf.dispose(batches);
      return { shift: Math.max(...shift), accuracy: top1Accuracy(quantized, test!).accuracy };
    };
    const plain = run(false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const corrected = run(true);
    console.log(
      `W4 per-tensor A8 on 500 t10k: ${plain.accuracy} → ${corrected.accuracy} with bias correction; max mean logit shift ${plain.shift.toFixed(4)} → ${corrected.shift.toFixed(4)}`,
    );
    expect(plain.shift).toBeGreaterThan(0.1);
    expect(corrected.shift).toBeLessThan(1e-3);
    expect(corrected.accuracy).toBeGreaterThanOrEqual(plain.accuracy - 0.01);
  });
});
