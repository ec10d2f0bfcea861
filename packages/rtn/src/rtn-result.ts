import { type QuantizedTensor, tf } from '@lowbit/core-tensor';
import { type DoubleQuantState, doubleQuantSizeBytes } from './double-quant';

/** One RTN-quantized weight. */
export interface RtnResult {
  name: string;
  /** The weight's [out, in] shape. nf4/fp4 codes are stored flattened, as [1, out·in]. */
  shape: [number, number];
  /** Codes and scales; with double quantization its scales are the double-quantized ones. */
  quantized: QuantizedTensor;
  /** nf4/fp4 with doubleQuant: the 8-bit state the scales are stored as. */
  doubleQuant?: DoubleQuantState;
  /** ‖W − Ŵ‖_F / ‖W‖_F (the absolute error for an all-zero weight, which is exact). */
  relativeError: number;
  /** Storage bytes: packed codes, zero points, and float32 scales or their double-quant state. */
  sizeBytes: number;
}

/** Storage bytes of a quantized weight; a double-quant state replaces the float32 scales. */
export function rtnSizeBytes(quantized: QuantizedTensor, doubleQuant?: DoubleQuantState): number {
  if (!doubleQuant) return quantized.sizeBytes();
  return quantized.sizeBytes() - 4 * quantized.scale.length + doubleQuantSizeBytes(doubleQuant);
}

/** The reconstructed weight Ŵ in its [out, in] shape (a new tensor the caller disposes). */
export function rtnDequantize(result: Pick<RtnResult, 'quantized' | 'shape'>): tf.Tensor2D {
  return tf.tidy(() => tf.reshape(result.quantized.dequantize(), result.shape));
}

/** ‖W − Ŵ‖_F / ‖W‖_F. */
export function relativeError(weight: tf.Tensor2D, reconstruction: tf.Tensor2D): number {
  const [errorNorm, weightNorm] = tf.tidy(() => [
    tf.norm(tf.sub(weight, reconstruction)).dataSync()[0],
    tf.norm(weight).dataSync()[0],
  ]);
  return weightNorm === 0 ? errorNorm : errorNorm / weightNorm;
}
