// Full-t10k top-1 of the pretrained Fashion-MNIST CNN under static quantization (wasm), calibrated
// on the first 256 training images: FP32, W8A8 minmax / histogram / entropy, W4A8 per channel and
// per tensor, W4A4. Run from packages/static-quant after building: node bench/fashion-mnist.mjs
import { initBackend, runRecipe, testDataPath, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { loadImageClassification, loadOnnxModel, top1Accuracy } from '@lowbit/models';
import { staticQuant, staticQuantPreset } from '@lowbit/static-quant';

const DATA = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const load = (split, limit) =>
  loadImageClassification(`${DATA}/${split}-images-idx3-ubyte.gz`, `${DATA}/${split}-labels-idx1-ubyte.gz`, {
    limit,
  });

const CONFIGS = [
  ['W8A8 minmax', staticQuantPreset('W8A8')],
  ['W8A8 histogram', staticQuantPreset('W8A8', { activations: { observer: 'histogram' } })],
  ['W8A8 entropy', staticQuantPreset('W8A8', { activations: { observer: 'entropy' } })],
  ['W4A8 minmax (per channel)', staticQuantPreset('W4A8')],
  ['W4A8 minmax (per tensor)', staticQuantPreset('W4A8', { weights: { granularity: 'tensor' } })],
  ['W4A4 minmax', staticQuantPreset('W4A4')],
];

await initBackend({ backend: 'wasm' });
const modelPath = testDataPath('cnn/fashion-mnist-cnn.onnx');
const train = load('train', 256);
const test = load('t10k');
const calibration = [0, 64, 128, 192].map((start) =>
  tf.tensor4d(train.images.slice(start * 784, (start + 64) * 784), [64, 1, 28, 28]),
);
const row = (name, accuracy, quantSeconds, evalSeconds) =>
  console.log(`| ${name} | ${(100 * accuracy).toFixed(2)} | ${quantSeconds} | ${evalSeconds.toFixed(1)} |`);
console.log('| config | t10k top-1 % | quantize s | eval s |\n|---|---|---|---|');
let started = performance.now();
const fp32 = top1Accuracy(loadOnnxModel(modelPath), test);
row('FP32', fp32.accuracy, '–', (performance.now() - started) / 1000);
for (const [name, options] of CONFIGS) {
  const model = loadOnnxModel(modelPath);
  const sq = staticQuant(options);
  started = performance.now();
  runRecipe(model, [sq], { calibration });
  const quantSeconds = ((performance.now() - started) / 1000).toFixed(2);
  started = performance.now();
  const result = top1Accuracy(withActivationQuantization(model, sq.plan()), test);
  row(name, result.accuracy, quantSeconds, (performance.now() - started) / 1000);
}
tf.dispose(calibration);
