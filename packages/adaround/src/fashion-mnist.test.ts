import {
  initBackend,
  QuantizedTensor,
  type QuantModel,
  runRecipe,
  type TargetReport,
  testDataPath,
  tf,
} from '@lowbit/core-tensor';
import {
  type ImageClassificationData,
  imageBatches,
  loadImageClassification,
  loadOnnxModel,
  top1Accuracy,
} from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaround } from './adaround-modifier';
import { matrixView, weightArgs } from './weight-grid';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const files = (() => {
  const model = testDataPath('cnn/fashion-mnist-cnn.onnx');
  const names = [
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
  ];
  const data = names.map((name) => testDataPath(name, FASHION_MNIST));
  return model && data.every(Boolean) ? { model, data: data as string[] } : undefined;
})();

/** Round-to-nearest on the same W4 per-channel min-max grid (what AdaRound starts from). */
function roundToNearest(model: QuantModel): void {
  const args = weightArgs({ bits: 4, symmetric: true, granularity: 'channel' });
  for (const target of model.blocks[0].targets) {
    const matrix = tf.tidy(() => matrixView(target.weight()));
    target.setWeight(QuantizedTensor.fromTensor(matrix, args, undefined, target.name));
    matrix.dispose();
  }
}

describe.skipIf(!files)('AdaRound on the Fashion-MNIST CNN (wasm, W4 per channel)', () => {
  let test: ImageClassificationData;
  let calibration: ImageClassificationData;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const [trainImages, trainLabels, testImages, testLabels] = files!.data;
    calibration = loadImageClassification(trainImages, trainLabels, { limit: 256 });
    test = loadImageClassification(testImages, testLabels, { limit: 2000 });
  });

  it('lowers every layer loss below nearest rounding and keeps t10k[:2000] accuracy at least at RTN − 1 %', async () => {
    const before = tf.memory().numTensors;
    const rtnModel = loadOnnxModel(files!.model);
    roundToNearest(rtnModel);
    const rtnAccuracy = top1Accuracy(rtnModel, test).accuracy;

    await new Promise((resolve) => setTimeout(resolve, 0)); // let the worker report between long steps
    const model = loadOnnxModel(files!.model);
    const batches = imageBatches(calibration, { batchSize: 128 });
    const started = performance.now();
    const [report] = runRecipe(
      model,
      [adaround({ iterations: 100, batchSize: 16, learningRate: 1e-2, samples: 256 })],
      {
        calibration: batches,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    tf.dispose(batches);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const accuracy = top1Accuracy(model, test).accuracy;
    const rows = report.targets.map(
      (t: TargetReport) =>
        `${t.target} nearest ${(t.nearestLoss as number).toExponential(3)} adaround ${(t.adaroundLoss as number).toExponential(3)} flipped ${(100 * (t.flipped as number)).toFixed(1)} % ${t.seconds.toFixed(1)} s`,
    );
    console.log(
      `${rows.join('\n')}\nadaround ${seconds.toFixed(1)} s; top-1 RTN ${(100 * rtnAccuracy).toFixed(2)} %, AdaRound ${(100 * accuracy).toFixed(2)} %`,
    );

    expect(report.targets.map((t) => t.target)).toEqual([
      'conv1.weight',
      'conv2.weight',
      'conv3.weight',
      'fc1.weight',
      'fc2.weight',
    ]);
    for (const t of report.targets) {
      expect(t.adaroundLoss as number).toBeLessThan(t.nearestLoss as number);
      expect(t.flipped as number).toBeGreaterThan(0);
    }
    for (const target of model.blocks[0].targets) expect(target.quantized?.args.bits).toBe(4);
    // 100 steps is a smoke run (the paper uses 10000): 1 % = 20 of the 2000 images.
    expect(accuracy).toBeGreaterThanOrEqual(rtnAccuracy - 0.01);
    expect(tf.memory().numTensors).toBe(before);
  });
});
