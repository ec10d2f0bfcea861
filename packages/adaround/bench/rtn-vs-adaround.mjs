// RTN vs AdaRound at A8 on the Fashion-MNIST CNN, top-1 on the t10k images (wasm).
// Activations: static-quant's A8 (`staticQuant({ weights: false, activations: { bits: 8 } })`) placed
// before adaround in one runRecipe; RTN rounds the same weight grid to nearest under the same plan.
// Calibration: 1024 seeded train images. @lowbit/adaround does not depend on static-quant, so run
// this from a package that does (it resolves static-quant from the working directory):
//
//   cd examples/cnn-fashion-mnist && node ../../packages/adaround/bench/rtn-vs-adaround.mjs [cases.json] [limit]
//
// `cases.json`: a JSON list of adaround options (default: W4 per channel, W4 per tensor, W2 per
// channel at the package defaults); `limit`: test images (default all 10,000). Build first:
// `pnpm --filter @lowbit/adaround build`.
import { createRequire } from 'node:module';
import { ADAROUND_DEFAULTS, adaround, weightArgs } from '@lowbit/adaround';
import {
  chooseQParams,
  initBackend,
  QuantizedTensor,
  runRecipe,
  searchClipQParams,
  testDataPath,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import {
  imageBatches,
  loadImageClassification,
  loadOnnxModel,
  sampleIndices,
  top1Accuracy,
} from '@lowbit/models';

const require = createRequire(`${process.cwd()}/`);
const { staticQuant } = await import(require.resolve('@lowbit/static-quant'));

const DEFAULT_CASES = [
  { bits: 4, granularity: 'channel' },
  { bits: 4, granularity: 'tensor' },
  { bits: 2, granularity: 'channel' },
];
const cases = process.argv[2] ? JSON.parse(process.argv[2]) : DEFAULT_CASES;
const limit = Number(process.argv[3] ?? 10_000);
const dir = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

await initBackend({ backend: 'wasm' });
const train = loadImageClassification(
  `${dir}/train-images-idx3-ubyte.gz`,
  `${dir}/train-labels-idx1-ubyte.gz`,
);
const test = loadImageClassification(`${dir}/t10k-images-idx3-ubyte.gz`, `${dir}/t10k-labels-idx1-ubyte.gz`, {
  limit,
});
const loadCnn = () => loadOnnxModel(testDataPath('cnn/fashion-mnist-cnn.onnx'));
const calibration = imageBatches(train, { batchSize: 128, indices: sampleIndices(60_000, 1024, 0) });
const activationsA8 = () => staticQuant({ weights: false, activations: { bits: 8 } });
const percent = (a) => `${(100 * a).toFixed(2)} %`;

/** Round-to-nearest on the grid adaround starts from (min-max or MSE-searched), under the A8 plan. */
function rtnAccuracy(c) {
  const model = loadCnn();
  const activations = activationsA8();
  runRecipe(model, [activations], { calibration });
  const args = weightArgs({ ...ADAROUND_DEFAULTS, ...c });
  const search = c.mseSearch ?? ADAROUND_DEFAULTS.mseSearch;
  for (const target of model.blocks[0].targets) {
    tf.tidy(() => {
      const weight = target.weight();
      const matrix = tf.reshape(weight, [weight.shape[0], -1]);
      const qparams = search
        ? searchClipQParams(matrix, args, search === true ? {} : search)
        : chooseQParams(matrix, args);
      target.setWeight(QuantizedTensor.fromTensor(matrix, args, qparams, target.name));
    });
  }
  return top1Accuracy(withActivationQuantization(model, activations.plan()), test).accuracy;
}

const floatAccuracy = top1Accuracy(loadCnn(), test).accuracy;
console.log(`FP32 ${percent(floatAccuracy)} on ${test.labels.length} t10k images`);
console.log('| setting | RTN | AdaRound | AdaRound time |\n|---|---|---|---|');
const rtnCache = new Map();
for (const c of cases) {
  const key = JSON.stringify([c.bits, c.granularity, c.symmetric, c.mseSearch]);
  if (!rtnCache.has(key)) rtnCache.set(key, rtnAccuracy(c));
  const model = loadCnn();
  const activations = activationsA8();
  const started = performance.now();
  const [, report] = runRecipe(model, [activations, adaround({ ...c, activations })], { calibration });
  const seconds = (performance.now() - started) / 1000;
  const accuracy = top1Accuracy(withActivationQuantization(model, activations.plan()), test).accuracy;
  console.log(
    `| ${JSON.stringify(c)} | ${percent(rtnCache.get(key))} | ${percent(accuracy)} | ${seconds.toFixed(0)} s |`,
  );
  const layers = report.targets.map(
    (t) =>
      `${t.target.replace('.weight', '')} ${t.nearestLoss.toExponential(2)}→${t.adaroundLoss.toExponential(2)} (${t.seconds.toFixed(0)} s)`,
  );
  console.log(`  ${layers.join(' · ')}`);
}
tf.dispose(calibration);
