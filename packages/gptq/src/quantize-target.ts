import { QuantizedTensor, type QuantTarget, type TargetReport, tf } from '@lowbit/core-tensor';
import type { GptqConfig } from './config';
import { gptqQuantArgs } from './gptq-args';
import { gptqQuantizeWeight } from './gptq-math';
import { outputError } from './output-error';
import { inputSize } from './target-groups';

/** ‖W − Ŵ‖_F / ‖W‖_F (the absolute error for an all-zero weight). */
function relativeError(weight: tf.Tensor2D, reconstruction: tf.Tensor2D): number {
  const [error, norm] = tf.tidy(() =>
    [tf.norm(tf.sub(weight, reconstruction)), tf.norm(weight)].map((t) => t.dataSync()[0]),
  );
  return norm === 0 ? error : error / norm;
}

/** The output errors of GPTQ's Ŵ and of round-to-nearest with the same args, both measured with H. */
function losses(
  weight: tf.Tensor2D,
  quantized: QuantizedTensor,
  hessian: tf.Tensor2D,
  config: GptqConfig,
  name: string,
) {
  const rtn = QuantizedTensor.fromTensor(weight, gptqQuantArgs(config), undefined, name);
  const [gptqWeight, rtnWeight] = [quantized.dequantize(), rtn.dequantize()] as tf.Tensor2D[];
  const result = {
    gptqLoss: outputError(weight, gptqWeight, hessian),
    rtnLoss: outputError(weight, rtnWeight, hessian),
    relativeError: relativeError(weight, gptqWeight),
  };
  tf.dispose([gptqWeight, rtnWeight]);
  return result;
}

/**
 * GPTQ-quantizes one target in place with the Hessian of its inputs and reports GPTQ's and RTN's
 * output error ½·tr(ΔW H ΔWᵀ) (the mean squared output error over the calibration rows).
 */
export function quantizeTarget(target: QuantTarget, hessian: tf.Tensor2D, config: GptqConfig): TargetReport {
  const started = performance.now();
  const [rows, columns] = [target.shape[0], inputSize(target)];
  const weight = tf.tidy(() => tf.reshape<tf.Rank.R2>(target.weight(), [rows, columns]));
  try {
    const result = gptqQuantizeWeight(weight, hessian, config, target.name);
    const report = losses(weight, result.quantized, hessian, config, target.name);
    target.setWeight(result.quantized);
    const { damp, dampRatio } = result;
    return { target: target.name, ...report, damp, dampRatio, seconds: (performance.now() - started) / 1000 };
  } finally {
    weight.dispose();
  }
}
