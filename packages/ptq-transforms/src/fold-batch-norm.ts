/** A batch normalization y = γ·(x − mean)/√(var + ε) + β over output channels. */
export interface BatchNormParams {
  readonly gamma: ArrayLike<number>;
  readonly beta: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly variance: ArrayLike<number>;
  readonly epsilon: number;
}

/** The per-channel factor γ/√(var + ε) a folded batch norm multiplies the layer's output by. */
export function batchNormScale(bn: BatchNormParams): Float32Array {
  return Float32Array.from(bn.gamma, (g, c) => g / Math.sqrt(bn.variance[c] + bn.epsilon));
}

/**
 * Folds a batch norm into the layer before it: W'[o] = W[o]·γ[o]/√(var[o] + ε) (every element of
 * output channel o, i.e. row o of the row-major weight) and b' = (b − mean)·γ/√(var + ε) + β.
 */
export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array,
  bn: BatchNormParams,
): { weight: Float32Array; bias: Float32Array } {
  const scale = batchNormScale(bn);
  const row = weight.length / scale.length;
  return {
    weight: weight.map((w, i) => w * scale[Math.floor(i / row)]),
    bias: bias.map((b, c) => (b - bn.mean[c]) * scale[c] + bn.beta[c]),
  };
}
