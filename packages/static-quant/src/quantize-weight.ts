import {
  disposeQParams,
  QuantizedTensor,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { createObserver } from '@lowbit/observers';
import type { ResolvedSide } from './config';

export interface WeightQuantization {
  quantized: QuantizedTensor;
  /** ‖W − Ŵ‖_F / ‖W‖_F (the absolute error for an all-zero weight). */
  relativeError: number;
}

/** Quantizes a 2-D [out, in·kh·kw] weight with the qparams its observer picks. */
export function quantizeWeight(weight: tf.Tensor2D, side: ResolvedSide, name: string): WeightQuantization {
  const observer = createObserver(side.observer, { ...side.observerOptions, args: side.args });
  try {
    observer.update(weight);
    const qparams = observer.compute();
    const quantized = QuantizedTensor.fromTensor(weight, side.args, qparams, name);
    disposeQParams(qparams);
    const [errorNorm, weightNorm] = tf.tidy(() => [
      tf.norm(tf.sub(weight, quantized.dequantize())).dataSync()[0],
      tf.norm(weight).dataSync()[0],
    ]);
    return { quantized, relativeError: weightNorm === 0 ? errorNorm : errorNorm / weightNorm };
  } finally {
    observer.reset();
  }
}

/** The target's weight as its 2-D [out, in·kh·kw] view (conv and depthwise flattened, per-channel axis 0). */
export function weightMatrix(target: QuantTarget): tf.Tensor2D {
  const [out, ...rest] = target.shape;
  return tf.tidy(() => tf.reshape(target.weight(), [out, rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D);
}

/** Quantizes a target in place and reports its relative error. */
export function quantizeTarget(target: QuantTarget, side: ResolvedSide): TargetReport {
  const started = performance.now();
  const weight = weightMatrix(target);
  try {
    const { quantized, relativeError } = quantizeWeight(weight, side, target.name);
    target.setWeight(quantized);
    return { target: target.name, relativeError, seconds: (performance.now() - started) / 1000 };
  } finally {
    weight.dispose();
  }
}
