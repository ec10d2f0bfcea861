// The CNN workflows on the real pretrained Fashion-MNIST CNN (ONNX, from PyTorch): static PTQ with
// observers, BN folding + cross-layer equalization + bias correction, AdaRound and LSQ QAT. Every
// row is simulated in lowbit on all 10,000 t10k images, exported as ONNX QDQ and run in
// onnxruntime-node on the same images. Calibration: 1024 seeded train images; QAT fine-tunes on the
// 60,000 Debian train images.
import { join } from 'node:path';
import { adaround } from '@lowbit/adaround';
import { dataPath, runRecipe, tf, withActivationQuantization } from '@lowbit/core-tensor';
import { exportOnnxQdq } from '@lowbit/export';
import {
  imageBatches,
  loadImageClassification,
  loadOnnxModel,
  onnxModelBytes,
  sampleIndices,
  top1Accuracy,
} from '@lowbit/models';
import { equalizeCrossLayer, foldBatchNorms, withBiasCorrection } from '@lowbit/ptq-transforms';
import { convertQat, prepareQat, trainQat } from '@lowbit/qat';
import { staticQuant, staticQuantPreset, W4A4, W4A8, W8A8 } from '@lowbit/static-quant';
import * as ort from 'onnxruntime-node';

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const CALIBRATION_IMAGES = 1024;

/** Scales for quick runs (LOWBIT_CNN_QUICK=1): fewer AdaRound steps and QAT images. */
const QUICK = process.env.LOWBIT_CNN_QUICK === '1';
export const SETTINGS = {
  adaroundIterations: QUICK ? 300 : 1000,
  qatSteps: QUICK ? 30 : 150,
  qatBatchSize: 128,
};

const split = (name) =>
  loadImageClassification(
    join(FASHION_MNIST_DIR, `${name}-images-idx3-ubyte.gz`),
    join(FASHION_MNIST_DIR, `${name}-labels-idx1-ubyte.gz`),
  );

export const loadFashionMnist = () => ({ train: split('train'), test: split('t10k') });

const loadCnn = () => loadOnnxModel(dataPath('cnn/fashion-mnist-cnn.onnx'));

/** 1024 seeded train images in batches of 128: the calibration set of every PTQ row. */
const calibrationBatches = (train) =>
  imageBatches(train, { batchSize: 128, indices: sampleIndices(train.labels.length, CALIBRATION_IMAGES, 0) });

/** Runs a recipe with the calibration batches; the plan comes from its activation quantizer. */
function ptq(recipe, quantizer) {
  return ({ model, train }) => {
    const calibration = calibrationBatches(train);
    try {
      runRecipe(model, recipe, { calibration });
    } finally {
      tf.dispose(calibration);
    }
    return quantizer.plan();
  };
}

function staticRow(options) {
  return () => {
    const quantizer = staticQuant(options);
    return ptq([quantizer], quantizer);
  };
}

/** W4A8 with per-tensor weights: where a single range per layer makes equalization matter. */
const W4A8_PER_TENSOR = { ...W4A8, weights: { ...W4A8.weights, granularity: 'tensor' } };

function dfqRow() {
  const quantizer = staticQuant(W4A8_PER_TENSOR);
  return ptq([foldBatchNorms(), equalizeCrossLayer(), withBiasCorrection(quantizer)], quantizer);
}

function adaroundRow(bits, granularity) {
  const activations = staticQuant({ weights: false, activations: { bits: 8 } });
  const rounding = adaround({ bits, granularity, iterations: SETTINGS.adaroundIterations, activations });
  return ptq([activations, rounding], activations);
}

/** LSQ QAT: MSE-initialised step sizes, then a short Adam fine-tune (cosine decay) on the train set. */
function qatRow(weightBits, activationBits, learningRate) {
  return async ({ model, train }) => {
    const qat = prepareQat(model, {
      weights: { bits: weightBits },
      activations: { bits: activationBits },
      calibration: train,
      calibrationSize: CALIBRATION_IMAGES,
    });
    await trainQat(qat, {
      train,
      epochs: 1,
      batchSize: SETTINGS.qatBatchSize,
      maxStepsPerEpoch: SETTINGS.qatSteps,
      learningRate,
    });
    return convertQat(qat).plan;
  };
}

/** The table's rows: a label and what turns the float model into the quantized one (→ activation plan). */
export const WORKFLOWS = [
  ['FP32', undefined],
  ['W8A8 static, MinMax', staticRow(W8A8)],
  [
    'W8A8 static, Histogram',
    staticRow(staticQuantPreset('W8A8', { activations: { observer: 'histogram' } })),
  ],
  ['W8A8 static, Entropy', staticRow(staticQuantPreset('W8A8', { activations: { observer: 'entropy' } }))],
  ['W4A8 RTN, per-channel', staticRow(W4A8)],
  ['W4A8 RTN, per-tensor', staticRow(W4A8_PER_TENSOR)],
  ['W4A8 per-tensor, BN fold + CLE + bias correction', dfqRow],
  ['W4A8 AdaRound, per-channel', () => adaroundRow(4, 'channel')],
  ['W4A8 AdaRound, per-tensor', () => adaroundRow(4, 'tensor')],
  ['W4A4 static, MinMax', staticRow(W4A4)],
  ['W4A4 QAT (LSQ), per-channel', () => qatRow(4, 4, 1e-4)],
  ['W2A8 RTN, per-channel', staticRow({ ...W4A8, weights: { ...W4A8.weights, bits: 2 } })],
  ['W2A8 AdaRound, per-channel', () => adaroundRow(2, 'channel')],
  ['W2A8 QAT (LSQ), per-channel', () => qatRow(2, 8, 3e-4)],
];

/** onnxruntime-node's top-1 on the test set, batch 500, and its predictions. */
async function ortTop1(bytes, test) {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const [, channels, height, width] = test.shape;
  const size = channels * height * width;
  const total = test.labels.length;
  const predictions = new Int32Array(total);
  try {
    for (let start = 0; start < total; start += 500) {
      const count = Math.min(500, total - start);
      const input = new ort.Tensor('float32', test.images.subarray(start * size, (start + count) * size), [
        count,
        channels,
        height,
        width,
      ]);
      const output = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];
      const logits = output.data;
      const classes = logits.length / count;
      for (let i = 0; i < count; i++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
        predictions[start + i] = best;
      }
    }
  } finally {
    await session.release();
  }
  const correct = predictions.reduce((n, p, i) => n + (p === test.labels[i] ? 1 : 0), 0);
  return { accuracy: correct / total, predictions };
}

const percent = (x) => `${(100 * x).toFixed(2)} %`;
const signed = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)} pt`;

/** One row: quantize a fresh model, evaluate it in lowbit, export it as QDQ and run it in onnxruntime. */
async function measure(label, makeStep, data) {
  const model = loadCnn();
  const started = performance.now();
  const plan = makeStep ? await makeStep()({ model, ...data }) : undefined;
  const seconds = (performance.now() - started) / 1000;
  const simulated = plan ? withActivationQuantization(model, plan) : model;
  const lowbit = top1Accuracy(simulated, data.test, { batchSize: 500 });
  const bytes = makeStep ? exportOnnxQdq(model, { activations: plan }).bytes : onnxModelBytes(model);
  const runtime = await ortTop1(bytes, data.test);
  const agree = runtime.predictions.reduce((n, p, i) => n + (p === lowbit.predictions[i] ? 1 : 0), 0);
  return { label, lowbit: lowbit.accuracy, ort: runtime.accuracy, agree, seconds, onnxBytes: bytes.length };
}

/** Every workflow's row: top-1 in lowbit and in onnxruntime, the change vs FP32, time and ONNX size. */
export async function cnnWorkflowRows(data = loadFashionMnist(), { onRow } = {}) {
  // LOWBIT_CNN_ROWS=<regex> keeps FP32 and the matching rows (for quick runs).
  const only = process.env.LOWBIT_CNN_ROWS ? new RegExp(process.env.LOWBIT_CNN_ROWS) : undefined;
  const workflows = WORKFLOWS.filter(([label], i) => i === 0 || !only || only.test(label));
  const measured = [];
  for (const [label, makeStep] of workflows) {
    const row = await measure(label, makeStep, data);
    measured.push(row);
    onRow?.(row);
  }
  const reference = measured[0].lowbit;
  return measured.map((r) => ({
    workflow: r.label,
    'top-1 lowbit': percent(r.lowbit),
    'top-1 onnxruntime': percent(r.ort),
    'ORT − lowbit': signed(r.ort - r.lowbit),
    'Δ vs FP32': r === measured[0] ? '–' : signed(r.lowbit - reference),
    'same predictions': percent(r.agree / data.test.labels.length),
    'quantize s': r.label === 'FP32' ? '–' : r.seconds.toFixed(1),
    'ONNX KiB': (r.onnxBytes / 1024).toFixed(0),
  }));
}
