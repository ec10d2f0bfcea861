// Profiles one AdaRound step per layer of the Fashion-MNIST CNN on wasm: the whole step, the layer op
// with its weight gradient alone, and the elementwise rest. Usage: node bench/profile-step.mjs [batch]
import { adaroundLayer, weightArgs } from '@lowbit/adaround';
import { chooseQParams, disposeQParams, initBackend, testDataPath, tf } from '@lowbit/core-tensor';
import { imageBatches, loadImageClassification, loadOnnxModel } from '@lowbit/models';

const batch = Number(process.argv[2] ?? 32);
const steps = Number(process.argv[3] ?? 40);
const dir = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
await initBackend({ backend: 'wasm' });
const model = loadOnnxModel(testDataPath('cnn/fashion-mnist-cnn.onnx'));
const train = loadImageClassification(
  `${dir}/train-images-idx3-ubyte.gz`,
  `${dir}/train-labels-idx1-ubyte.gz`,
  { limit: 256 },
);
const [images] = imageBatches(train, { batchSize: 256 });
const block = model.blocks[0];
const captured = new Map();
tf.tidy(() =>
  block.forward(images, (name, x) => {
    captured.set(name, tf.keep(name.startsWith('fc') ? tf.reshape(x, [-1, x.shape[x.rank - 1]]) : x.clone()));
  }),
);
const args = weightArgs({ bits: 4, symmetric: true, granularity: 'channel' });
const time = (fn, n) => {
  fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t) / n;
};
for (const target of block.targets) {
  const weight = target.weight();
  const inputs = captured.get(target.name);
  const apply = (x, w) => target.apply(x, w);
  const targets = apply(inputs, weight);
  const qparams = tf.tidy(() => chooseQParams(tf.reshape(weight, [weight.shape[0], -1]), args));
  const problem = {
    weight,
    args,
    qparams,
    inputs,
    targets,
    apply,
    name: target.name,
    activation: target.activation,
    bias: target.bias?.read(),
  };
  const run = (iterations) => {
    const t = performance.now();
    const r = adaroundLayer(problem, { iterations, batchSize: batch });
    r.quantized;
    return performance.now() - t;
  };
  const base = run(1);
  const step = (run(steps + 1) - base) / steps;
  const xb = tf.slice(inputs, 0, batch);
  const yb = tf.slice(targets, 0, batch);
  const grad = tf.grad((w) => tf.sum(tf.squaredDifference(apply(xb, w), yb)));
  const layer = time(() => tf.tidy(() => grad(weight).dataSync()), 10);
  console.log(
    `${target.name} ${weight.shape} in ${inputs.shape}: step ${step.toFixed(1)} ms, layer fwd+dW ${layer.toFixed(1)} ms`,
  );
  tf.dispose([weight, targets, xb, yb]);
  disposeQParams(qparams);
}
