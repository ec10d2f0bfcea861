import {
  chooseQParams,
  denseMatMul,
  dequantize,
  disposeQParams,
  type QuantArgs,
  quantize,
  tf,
} from '@lowbit/core-tensor';
import { type ColumnGroups, fromGroups, toGroups } from './column-groups';

/** Added to AutoAWQ's duo-scaling denominators, and the floor of every scale. */
const SCALE_FLOOR = 1e-4;

/** dequantize(quantize(w)) with min/max qparams of w: the weight the quantized layer would compute with. */
export function pseudoQuantize(w: tf.Tensor2D, args: QuantArgs): tf.Tensor2D {
  return tf.tidy(() => {
    const qp = chooseQParams(w, args, 'awq weight');
    const restored = dequantize(quantize(w, qp, args), qp, args) as tf.Tensor2D;
    disposeQParams(qp);
    return restored;
  });
}

/** Σ over tokens of ‖Δ x‖², as tr(Δ G Δᵀ) for Δ [out, in] and G = Σ x xᵀ [in, in]; a scalar tensor. */
export function outputSquaredError(delta: tf.Tensor2D, gram: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(denseMatMul(delta, gram), delta)));
}

/**
 * AWQ's per-input-channel scales for exponent r: x̄^r, or x̄^r / (w̄^(1−r) + 1e-4) with duo scaling,
 * floored at 1e-4 and normalised by √(max·min) so that they straddle 1.
 */
export function ratioScales(xMean: tf.Tensor1D, ratio: number, wMean?: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const activation = tf.pow(xMean, ratio);
    const raw = wMean ? tf.div(activation, tf.add(tf.pow(wMean, 1 - ratio), SCALE_FLOOR)) : activation;
    const s = tf.maximum(raw, SCALE_FLOOR);
    return tf.div(s, tf.sqrt(tf.mul(tf.max(s), tf.min(s))));
  });
}

/**
 * Quantizing W·diag(s) and undoing the scale: Q(W·diag(s))·diag(1/s), the weight the layer
 * computes with once 1/s is folded into the layer before it.
 */
export function scaledPseudoQuantize(w: tf.Tensor2D, s: tf.Tensor1D, args: QuantArgs): tf.Tensor2D {
  return tf.tidy(() => tf.div(pseudoQuantize(tf.mul(w, s), args), s));
}

/**
 * AutoAWQ's w̄ for duo scaling: |w| divided by its group's absmax (+1e-6), averaged over the rows
 * of all the weights [out_i, in] that share the input.
 */
export function normalizedWeightMean(weights: readonly tf.Tensor2D[], groups: ColumnGroups): tf.Tensor1D {
  return tf.tidy(() => {
    const magnitude = toGroups(tf.abs(tf.concat(weights.slice(), 0)) as tf.Tensor2D, groups);
    const normalized = tf.div(magnitude, tf.add(tf.max(magnitude, 2, true), 1e-6)) as tf.Tensor3D;
    return tf.mean(fromGroups(normalized, groups), 0);
  });
}
