// The demo's CNN workflow step: on the tfjs-trained MNIST CNN (conv → BN → ReLU → pool, twice, then
// dense), fold batch norms, then compare static W2A8 round-to-nearest with AdaRound at the same
// setting, and W4A4 static PTQ with a short LSQ quantization-aware fine-tune. Held-out accuracy
// is measured on the digits the model never saw.
import { adaround } from '@lowbit/adaround';
import { runRecipe, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { fromLayersModel, top1Accuracy } from '@lowbit/models';
import { foldBatchNorms } from '@lowbit/ptq-transforms';
import { convertQat, prepareQat, trainQat } from '@lowbit/qat';
import { staticQuant, W4A4 } from '@lowbit/static-quant';
import { SIDE } from './mnist-cnn.mjs';

const CALIBRATION_IMAGES = 512;
const ADAROUND_STEPS = 300;

/** The split as lowbit's labelled-image data (NHWC, as the tfjs model takes it). */
const asImageData = (split) => ({
  images: split.images,
  shape: [split.count, SIDE, SIDE, 1],
  labels: split.labels,
});

function calibrationBatches(train) {
  const images = train.images.subarray(0, CALIBRATION_IMAGES * SIDE * SIDE);
  return [tf.tensor4d(images, [CALIBRATION_IMAGES, SIDE, SIDE, 1])];
}

/** Runs `recipe` (its static quantizer first) on a fresh view of `model` with BN folded; → simulated model. */
function ptqRow(model, train, recipe) {
  const quantModel = fromLayersModel(model);
  const calibration = calibrationBatches(train);
  try {
    runRecipe(quantModel, [foldBatchNorms(), ...recipe], { calibration });
  } finally {
    tf.dispose(calibration);
  }
  return withActivationQuantization(quantModel, recipe[0].plan());
}

const w2a8 = () => staticQuant({ weights: { bits: 2 }, activations: { bits: 8 } });

async function qatRow(model, train) {
  const quantModel = fromLayersModel(model);
  runRecipe(quantModel, [foldBatchNorms()]);
  const qat = prepareQat(quantModel, {
    weights: { bits: 4 },
    activations: { bits: 4 },
    calibration: asImageData(train),
    calibrationSize: CALIBRATION_IMAGES,
  });
  await trainQat(qat, { train: asImageData(train), epochs: 1, learningRate: 1e-3 });
  const { plan } = convertQat(qat);
  return withActivationQuantization(quantModel, plan);
}

/** Rows of held-out accuracy and time for each CNN workflow; the model's weights are restored after each. */
export async function cnnStepsTable(model, train, test) {
  const original = model.getWeights().map((w) => w.clone());
  const rows = [];
  const measure = async (workflow, build) => {
    model.setWeights(original);
    const started = performance.now();
    const simulated = await build();
    const seconds = (performance.now() - started) / 1000;
    const { accuracy } = top1Accuracy(simulated, asImageData(test), { batchSize: 500 });
    rows.push({
      workflow,
      'held-out top-1': `${(100 * accuracy).toFixed(2)} %`,
      'time s': seconds.toFixed(1),
    });
  };
  await measure('FP32', () => fromLayersModel(model));
  await measure('BN fold + W4A4 static (MinMax)', () => ptqRow(model, train, [staticQuant(W4A4)]));
  await measure('BN fold + W4A4 QAT (LSQ, 1 epoch)', () => qatRow(model, train));
  await measure('BN fold + W2A8 static RTN', () => ptqRow(model, train, [w2a8()]));
  await measure(`BN fold + W2A8 AdaRound (${ADAROUND_STEPS} steps/layer)`, () => {
    const activations = staticQuant({ weights: false, activations: { bits: 8 } });
    return ptqRow(model, train, [
      activations,
      adaround({ bits: 2, iterations: ADAROUND_STEPS, activations }),
    ]);
  });
  model.setWeights(original);
  tf.dispose(original);
  return rows;
}
