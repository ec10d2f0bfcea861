import { type Block, QuantizedTensor, type QuantTarget, type TargetReport, tf } from '@lowbit/core-tensor';
import { WEIGHT_ARGS } from './w8a8-args';

/** The weight [out, in] as int8 codes with one symmetric scale per output channel. */
export function quantizeWeightInt8(weight: tf.Tensor, name: string): QuantizedTensor {
  return QuantizedTensor.fromTensor(weight, WEIGHT_ARGS, undefined, name);
}

/** Replaces a linear target's weight by its int8 per-channel quantization and reports ‖W − Ŵ‖/‖W‖. */
export function quantizeTargetInt8(target: QuantTarget): TargetReport {
  const started = performance.now();
  const weight = target.weight();
  const quantized = quantizeWeightInt8(weight, target.name);
  const [errorNorm, weightNorm] = tf.tidy(() => [
    tf.norm(tf.sub(weight, tf.reshape(quantized.dequantize(), weight.shape))).dataSync()[0],
    tf.norm(weight).dataSync()[0],
  ]);
  weight.dispose();
  target.setWeight(quantized);
  return {
    target: target.name,
    relativeError: weightNorm === 0 ? errorNorm : errorNorm / weightNorm,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The block's linear targets, the layers W8A8 quantizes. */
export function linearTargets(block: Block): QuantTarget[] {
  return block.targets.filter((t) => t.kind === 'linear');
}
