import {
  initBackend,
  QuantizedTensor,
  type QuantModel,
  runRecipe,
  searchClipQParams,
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

/** Steps per layer, of 16 images: a short run (the defaults take 1000 steps of 32 of 1024 images). */
const ITERATIONS = 200;

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

/** Round-to-nearest on the grid AdaRound starts from: W2 per channel, MSE-searched as its default. */
function roundToNearest(model: QuantModel): void {
  const args = weightArgs({ bits: 2, symmetric: true, granularity: 'channel' });
  for (const target of model.blocks[0].targets) {
    tf.tidy(() => {
      const matrix = matrixView(target.weight());
      const qparams = searchClipQParams(matrix, args, {}, target.name);
      target.setWeight(QuantizedTensor.fromTensor(matrix, args, qparams, target.name));
    });
  }
}

const yieldToWorker = () => new Promise((resolve) => setTimeout(resolve, 0));

describe.skipIf(!files)('AdaRound on the Fashion-MNIST CNN (wasm, W2 per channel)', () => {
  let test: ImageClassificationData;
  let calibration: ImageClassificationData;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const [trainImages, trainLabels, testImages, testLabels] = files!.data;
    calibration = loadImageClassification(trainImages, trainLabels, { limit: 256 });
    test = loadImageClassification(testImages, testLabels, { limit: 1000 });
  });

  it('lowers every post-ReLU layer loss below nearest rounding and beats RTN on t10k[:1000]', async () => {
    const before = tf.memory().numTensors;
    const rtnModel = loadOnnxModel(files!.model);
    roundToNearest(rtnModel);
    const rtnAccuracy = top1Accuracy(rtnModel, test).accuracy;

    await yieldToWorker();
    const model = loadOnnxModel(files!.model);
    const batches = imageBatches(calibration, { batchSize: 128 });
    const started = performance.now();
    const [report] = runRecipe(
      model,
      [adaround({ bits: 2, iterations: ITERATIONS, batchSize: 16, samples: 256 })],
      {
        calibration: batches,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    tf.dispose(batches);
    await yieldToWorker();
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
    for (const target of model.blocks[0].targets) expect(target.quantized?.args.bits).toBe(2);
    // W2 per channel: RTN loses a lot; AdaRound recovers most of it. 1 image = 0.1 %.
    expect(accuracy).toBeGreaterThan(rtnAccuracy + 0.02);
    expect(tf.memory().numTensors).toBe(before);
  });
});
