import { type QuantizedTensor, tf } from '@lowbit/core-tensor';

/** One HQQ-quantized weight. */
export interface HqqResult {
  name: string;
  /** The weight's [out, in] shape. */
  shape: [number, number];
  /** Codes, min/max scales and the solver's real zero points (zeroPointDomain 'float'). */
  quantized: QuantizedTensor;
  /** ‖W − Ŵ‖_F / ‖W‖_F (the absolute error for an all-zero weight, which is exact). */
  relativeError: number;
  /** Mean |W − Ŵ| with the min/max zero points the solver starts from. */
  meanAbsErrorBefore: number;
  /** Mean |W − Ŵ| with the returned zero points. */
  meanAbsErrorAfter: number;
  /** Solver steps taken (0 without optimize). */
  iterations: number;
  /** Storage bytes: packed codes, float32 scales and float32 zero points. */
  sizeBytes: number;
}

/** ‖W − Ŵ‖_F / ‖W‖_F, or ‖W − Ŵ‖_F when W is all zero. */
export function relativeError(weight: tf.Tensor, reconstruction: tf.Tensor): number {
  const [errorNorm, weightNorm] = tf.tidy(() => [
    tf.norm(tf.sub(weight, reconstruction)).dataSync()[0],
    tf.norm(weight).dataSync()[0],
  ]);
  return weightNorm === 0 ? errorNorm : errorNorm / weightNorm;
}
