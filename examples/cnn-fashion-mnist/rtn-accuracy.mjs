// RTN on a real pretrained Fashion-MNIST CNN (ONNX, from PyTorch): top-1 on all 10,000 t10k test
// images, size of its conv/linear weights and quantize time, per RTN setting. The model comes from
// LOWBIT_DATA (default ../shared/data), the images from Debian's dataset-fashion-mnist package.
import { join } from 'node:path';
import { dataPath, runRecipe } from '@lowbit/core-tensor';
import { loadImageClassification, loadOnnxModel, top1Accuracy } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Per-channel int settings are symmetric, as PyTorch and ONNX quantize conv weights. */
export const RTN_SETTINGS = [
  ['RTN W8 per-channel', { bits: 8, groupSize: 'channel', symmetric: true }],
  ['RTN W4 per-channel', { bits: 4, groupSize: 'channel', symmetric: true }],
];

/** The t10k test set: images [10000, 1, 28, 28] in [0, 1] and labels. */
export const loadTestSet = () =>
  loadImageClassification(
    join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
    join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'),
  );

const elements = (target) => target.shape.reduce((a, b) => a * b, 1);

/** Bytes of the conv/linear weights: packed codes and qparams once quantized, else fp32 (biases excluded). */
const targetBytes = (model) =>
  model.blocks[0].targets.reduce((sum, t) => sum + (t.quantized?.sizeBytes() ?? 4 * elements(t)), 0);

const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** FP32 and each RTN setting (a freshly loaded model each): top-1, its change, weight size, times. */
export function rtnAccuracyRows(testSet = loadTestSet()) {
  const measure = (label, config) => {
    const model = loadOnnxModel(dataPath('cnn/fashion-mnist-cnn.onnx'));
    const started = performance.now();
    if (config) runRecipe(model, [rtn(config)]);
    const quantized = performance.now();
    const { accuracy } = top1Accuracy(model, testSet, { batchSize: 500 });
    return {
      label,
      accuracy,
      bytes: targetBytes(model),
      quantizeSeconds: config ? (quantized - started) / 1000 : undefined,
      evalSeconds: (performance.now() - quantized) / 1000,
    };
  };
  const measured = [measure('FP32'), ...RTN_SETTINGS.map(([label, config]) => measure(label, config))];
  const reference = measured[0].accuracy;
  return measured.map(({ label, accuracy, bytes, quantizeSeconds, evalSeconds }) => ({
    weights: label,
    'top-1': `${(100 * accuracy).toFixed(2)} %`,
    'Δ vs FP32': label === 'FP32' ? '–' : `${signed(100 * (accuracy - reference))} pt`,
    'weight KiB': (bytes / 1024).toFixed(1),
    'quantize s': quantizeSeconds === undefined ? '–' : quantizeSeconds.toFixed(3),
    'eval s': evalSeconds.toFixed(1),
  }));
}
