import { tf } from '@lowbit/core-tensor';
import { awqQuantArgs } from './awq-args';
import { normalizedWeightMean, outputSquaredError, ratioScales, scaledPseudoQuantize } from './awq-math';
import { columnGroups } from './column-groups';
import type { AwqConfig } from './config';

/** The scales AWQ chose for one mapping and the output error they give. */
export interface ScaleSearchResult {
  /** s, one per input channel of the balance weights. */
  scales: Float32Array;
  /** The exponent r of s = x̄^r that won. */
  ratio: number;
  /** Mean squared output error of the balance layers quantized as they are (s = 1: plain RTN). */
  mseBefore: number;
  /** The same with the chosen scales. */
  mseAfter: number;
}

/** Mean over tokens and output channels of ‖(W − Q(W·diag s)·diag(1/s)) x‖², summed over the weights. */
function scaledError(
  weights: readonly tf.Tensor2D[],
  s: tf.Tensor1D,
  gram: tf.Tensor2D,
  config: AwqConfig,
): number {
  const args = awqQuantArgs(config);
  const outputs = weights.reduce((sum, w) => sum + w.shape[0], 0);
  return tf.tidy(() => {
    const errors = weights.map((w) => outputSquaredError(tf.sub(w, scaledPseudoQuantize(w, s, args)), gram));
    return tf.addN(errors).dataSync()[0] / outputs;
  });
}

/**
 * AWQ's grid search (AutoAWQ `_search_best_scale`) for layers [out_i, in] that read one input:
 * for r = 0, 1/n, …, (n − 1)/n, s = x̄^r (normalised), score the output error of the layers
 * quantized as Q(W·diag s)·diag(1/s) on the calibration inputs, and keep the first best s.
 * `gram` is E[x xᵀ] of the inputs, `xMean` their mean |x| per channel.
 */
export function searchScales(
  weights: readonly tf.Tensor2D[],
  xMean: Float32Array,
  gram: tf.Tensor2D,
  config: AwqConfig,
): ScaleSearchResult {
  const x = tf.tensor1d(xMean);
  const w = config.duoScaling ? normalizedWeightMean(weights, columnGroups(config, xMean.length)) : undefined;
  const ones = tf.onesLike(x);
  const mseBefore = scaledError(weights, ones, gram, config);
  let best: { scales: Float32Array; ratio: number; mse: number } = {
    scales: new Float32Array(),
    ratio: Number.NaN,
    mse: Number.POSITIVE_INFINITY,
  };
  for (let i = 0; i < config.gridSize; i++) {
    const ratio = i / config.gridSize;
    const s = ratioScales(x, ratio, w);
    const mse = scaledError(weights, s, gram, config);
    if (mse < best.mse) best = { scales: s.dataSync() as Float32Array, ratio, mse };
    s.dispose();
  }
  tf.dispose([x, w, ones]);
  return { scales: best.scales, ratio: best.ratio, mseBefore, mseAfter: best.mse };
}
