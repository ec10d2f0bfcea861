// Times AdaRound on the Fashion-MNIST CNN (wasm, weights only): 1024 training images, the defaults (W4 per channel).
// Usage: node bench/fashion-mnist.mjs [iterations] [method]   (after `pnpm --filter @lowbit/adaround build`)

import { adaround } from '@lowbit/adaround';
import { initBackend, runRecipe, testDataPath, tf } from '@lowbit/core-tensor';
import { imageBatches, loadImageClassification, loadOnnxModel, top1Accuracy } from '@lowbit/models';

const iterations = process.argv[2] ? Number(process.argv[2]) : undefined;
const method = process.argv[3] ?? 'adaround';
const dir = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
await initBackend({ backend: 'wasm' });
const model = loadOnnxModel(testDataPath('cnn/fashion-mnist-cnn.onnx'));
const train = loadImageClassification(
  `${dir}/train-images-idx3-ubyte.gz`,
  `${dir}/train-labels-idx1-ubyte.gz`,
  { limit: 1024 },
);
const test = loadImageClassification(`${dir}/t10k-images-idx3-ubyte.gz`, `${dir}/t10k-labels-idx1-ubyte.gz`, {
  limit: 2000,
});
const calibration = imageBatches(train, { batchSize: 128 });
const started = performance.now();
let last = 0;
const [report] = runRecipe(model, [adaround({ iterations, method, progressInterval: 500 })], {
  calibration,
  onProgress: (e) => {
    if (e.stage !== 'adaround') return;
    const now = performance.now();
    console.log(`${e.done}/${e.total} ${e.note} (+${((now - last) / 1000).toFixed(1)} s)`);
    last = now;
  },
});
tf.dispose(calibration);
const seconds = (performance.now() - started) / 1000;
for (const t of report.targets) {
  console.log(
    `${t.target}: nearest ${t.nearestLoss.toExponential(3)} ${method} ${t.adaroundLoss.toExponential(3)} flipped ${(100 * t.flipped).toFixed(1)} % relErr ${t.relativeError.toFixed(4)} ${t.seconds.toFixed(1)} s`,
  );
}
console.log(`total ${seconds.toFixed(1)} s for ${iterations ?? 'the default'} iterations per layer`);
console.log(`top-1 (t10k first 2000) ${(100 * top1Accuracy(model, test).accuracy).toFixed(2)} %`);
