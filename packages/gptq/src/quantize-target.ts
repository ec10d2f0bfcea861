import { assertFinite, QuantizedTensor, type QuantTarget, type TargetReport, tf } from '@lowbit/core-tensor';
import type { GptqConfig } from './config';
import { gptqQuantArgs } from './gptq-args';
import { gptqQuantizeMatrix, type HessianState } from './gptq-math';
import { outputError } from './output-error';
import { inputSize } from './target-groups';

/** The target's float weight as a row-major array (an ArrayTarget's own values, else read from tfjs). */
function targetValues(target: QuantTarget): Float32Array {
  const values = (target as { values?: unknown }).values;
  if (values instanceof Float32Array) return values;
  const weight = target.weight();
  const read = weight.dataSync() as Float32Array;
  weight.dispose();
  return read;
}

/** ‖W − Ŵ‖_F / ‖W‖_F (the absolute error for an all-zero weight). */
function relativeError(weight: Float32Array, reconstruction: Float32Array): number {
  let [error, norm] = [0, 0];
  weight.forEach((w, i) => {
    error += (w - reconstruction[i]) ** 2;
    norm += w * w;
  });
  return norm === 0 ? Math.sqrt(error) : Math.sqrt(error / norm);
}

function dequantized(quantized: QuantizedTensor): Float32Array {
  const tensor = quantized.dequantize();
  const values = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return values;
}

/** The output errors of GPTQ's Ŵ and of round-to-nearest with the same args, both measured with H. */
function losses(
  weight: Float32Array,
  shape: [number, number],
  quantized: QuantizedTensor,
  hessian: Float32Array,
  config: GptqConfig,
  name: string,
) {
  const weightTensor = tf.tensor2d(weight, shape);
  const rtn = QuantizedTensor.fromTensor(weightTensor, gptqQuantArgs(config), undefined, name);
  weightTensor.dispose();
  const [gptqWeight, rtnWeight] = [dequantized(quantized), dequantized(rtn)];
  return {
    gptqLoss: outputError(weight, gptqWeight, hessian, shape[0]),
    rtnLoss: outputError(weight, rtnWeight, hessian, shape[0]),
    relativeError: relativeError(weight, gptqWeight),
  };
}

/**
 * GPTQ-quantizes one target in place with the Hessian of its inputs and reports GPTQ's and RTN's
 * output error ½·tr(ΔW H ΔWᵀ) (the mean squared output error over the calibration rows).
 */
export function quantizeTarget(target: QuantTarget, hessian: HessianState, config: GptqConfig): TargetReport {
  const started = performance.now();
  const shape: [number, number] = [target.shape[0], inputSize(target)];
  const weight = targetValues(target);
  assertFinite(weight, target.name);
  assertFinite(hessian.h, `${target.name}.H`);
  const result = gptqQuantizeMatrix(weight, hessian.h, shape, config, target.name);
  const report = losses(weight, shape, result.quantized, hessian.h, config, target.name);
  target.setWeight(result.quantized);
  const { damp, dampRatio } = result;
  return { target: target.name, ...report, damp, dampRatio, seconds: (performance.now() - started) / 1000 };
}
