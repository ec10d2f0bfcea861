// The real Fashion-MNIST CNN exported as QDQ (W8A8, W4A8, W4A4) and run by onnxruntime-node.
import {
  forwardModel,
  initBackend,
  type QuantArgsInput,
  testDataPath,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import {
  type ImageClassificationData,
  loadImageClassification,
  loadOnnxModel,
  type OnnxModel,
  onnxModelBytes,
  top1Accuracy,
} from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnxQdq } from './export-onnx-qdq';
import {
  argmaxRows,
  maxAbsDifference,
  ortLogits,
  ortRun,
  ortSession,
  withOutputs,
} from './test-support/ort-run';
import { minMaxPlan, quantizeWeights } from './test-support/quantize-model';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const modelPath = testDataPath('cnn/fashion-mnist-cnn.onnx');
const testImages = testDataPath('t10k-images-idx3-ubyte.gz', FASHION_MNIST);
const testLabels = testDataPath('t10k-labels-idx1-ubyte.gz', FASHION_MNIST);
const trainImages = testDataPath('train-images-idx3-ubyte.gz', FASHION_MNIST);
const trainLabels = testDataPath('train-labels-idx1-ubyte.gz', FASHION_MNIST);
/** LOWBIT_QDQ_IMAGES=10000 evaluates the full t10k. */
const IMAGES = Number(process.env.LOWBIT_QDQ_IMAGES ?? 2000);

function accuracyOf(predictions: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / predictions.length;
}

/** lowbit's dequantized weight in the ONNX layout. */
function dequantizedOnnx(model: OnnxModel, name: string): Float32Array {
  const weight = model.weights.get(name)!;
  return tf.tidy(() => {
    const w = tf.reshape(weight.target.quantized!.dequantize(), weight.target.shape as number[]);
    return (weight.transposed ? tf.transpose(w) : w).dataSync() as Float32Array;
  });
}

describe.skipIf(!modelPath || !testImages || !trainImages)('Fashion-MNIST CNN as ONNX QDQ (wasm)', () => {
  let data: ImageClassificationData;
  let calibration: Float32Array;
  let floatBytes: number;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    data = loadImageClassification(testImages!, testLabels!, { limit: IMAGES });
    calibration = loadImageClassification(trainImages!, trainLabels!, { limit: 256 }).images;
    floatBytes = onnxModelBytes(loadOnnxModel(modelPath!)).length;
  });

  it.each([
    // One activation code flipped by float rounding moves a logit by up to a 4-bit step: a looser bound at A4.
    ['W8A8', { bits: 8, symmetric: true }, { bits: 8 }, 13, 'int8', 0.3, 0.05],
    ['W4A8', { bits: 4, symmetric: true }, { bits: 8 }, 21, 'int4', 0.16, 0.05],
    ['W4A4', { bits: 4, symmetric: true }, { bits: 4 }, 21, 'int4', 0.16, 0.5],
    ['W4A4 (uint4 activations)', { bits: 4, symmetric: true }, { bits: 4 }, 21, 'int4', 0.16, 0.5],
  ] as [string, QuantArgsInput, QuantArgsInput, number, string, number, number][])(
    '%s: onnxruntime agrees with lowbit’s simulation',
    async (label, weightArgs, activationArgs, opset, type, sizeRatio, logitBound) => {
      const before = tf.memory().numTensors;
      const model = loadOnnxModel(modelPath!);
      quantizeWeights(model, weightArgs);
      const batch = tf.tensor4d(calibration, [256, 1, 28, 28]);
      const plan = minMaxPlan(model, batch, activationArgs);
      batch.dispose();
      const simulated = withActivationQuantization(model, plan);
      const logits = new Float32Array(IMAGES * 10);
      let filled = 0;
      const lowbit = top1Accuracy((images) => {
        const out = forwardModel(simulated, images);
        logits.set(out.dataSync(), filled);
        filled += out.size;
        return out;
      }, data);
      const nativeUint4 = label.includes('uint4');
      const { bytes, summary } = exportOnnxQdq(model, { activations: plan, fourBitActivations: nativeUint4 });
      expect(summary.opset).toBe(opset);
      expect(summary.weights.map((w) => [w.type, w.axis])).toEqual([
        [type, 0],
        [type, 0],
        [type, 0],
        [type, 0],
        [type, 0],
      ]);
      expect(summary.activationPairs).toBe(5);
      expect(summary.fileBytes / floatBytes).toBeLessThan(sizeRatio);

      const dequantized = summary.weights.map((w) => `${w.name}_DequantizeLinear_Output`);
      const probe = await ortSession(withOutputs(bytes, dequantized));
      const weights = await ortRun(probe, data.images.subarray(0, 784), [1, 1, 28, 28], dequantized);
      await probe.release();
      for (const { name } of summary.weights) {
        expect(weights[`${name}_DequantizeLinear_Output`]).toEqual(dequantizedOnnx(model, name));
      }

      const exact = await ortSession(bytes);
      const ortExact = await ortLogits(exact, data.images, IMAGES);
      await exact.release();
      if (nativeUint4) {
        // ORT 1.30's QDQ propagation moves the uint4 Q/DQ across MaxPool, which has no uint4 kernel.
        await expect(ortSession(bytes, 'all')).rejects.toThrow(/uint4.*MaxPool/);
      }
      const optimized = await ortSession(bytes, nativeUint4 ? 'disabled' : 'all');
      const ortOptimized = await ortLogits(optimized, data.images, IMAGES);
      await optimized.release();
      const predictions = argmaxRows(ortExact, 10);
      const agreement = accuracyOf(predictions, lowbit.predictions);
      const ortAccuracy = accuracyOf(predictions, data.labels);
      const optimizedAccuracy = accuracyOf(argmaxRows(ortOptimized, 10), data.labels);
      console.log(
        `${label} on ${IMAGES} t10k images: lowbit ${(100 * lowbit.accuracy).toFixed(2)} %, ORT ${(100 * ortAccuracy).toFixed(2)} % (${nativeUint4 ? 'unoptimized' : 'optimized'} graph ${(100 * optimizedAccuracy).toFixed(2)} %), agreement ${(100 * agreement).toFixed(2)} %, max |Δlogit| ${maxAbsDifference(ortExact, logits).toExponential(2)} (optimized ${maxAbsDifference(ortOptimized, logits).toExponential(2)}); file ${summary.fileBytes} B vs float ${floatBytes} B, initializers ${summary.initializerBytes} B vs ${summary.floatInitializerBytes} B`,
      );
      expect(Math.abs(ortAccuracy - lowbit.accuracy)).toBeLessThanOrEqual(0.001);
      expect(agreement).toBeGreaterThanOrEqual(0.998);
      expect(maxAbsDifference(ortExact, logits)).toBeLessThan(logitBound);
      expect(Math.abs(optimizedAccuracy - lowbit.accuracy)).toBeLessThanOrEqual(0.005);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
