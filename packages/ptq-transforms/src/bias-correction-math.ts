import { tf } from '@lowbit/core-tensor';

/** Running per-output-channel mean of layer outputs (channel axis 1: [N, C] or NCHW). */
export class ChannelMean {
  private readonly sums: Float64Array;
  private count = 0;

  constructor(readonly channels: number) {
    this.sums = new Float64Array(channels);
  }

  /** Adds every value of `output` to its channel's sum. */
  add(output: tf.Tensor): void {
    const axes = output.shape.map((_, i) => i).filter((i) => i !== 1);
    const sums = tf.tidy(() => tf.sum(output, axes).dataSync());
    sums.forEach((v, c) => {
      this.sums[c] += v;
    });
    this.count += output.size / this.channels;
  }

  mean(): Float64Array {
    return this.sums.map((s) => (this.count === 0 ? 0 : s / this.count));
  }
}

/**
 * Empirical bias correction (Nagel et al., 2019, §4.2): the quantized layer's expected output
 * E[W̃x̃] differs from the float layer's E[Wx] by Δ per output channel; b ← b − Δ removes it.
 */
export function correctedBias(
  bias: Float32Array,
  floatMean: Float64Array,
  quantizedMean: Float64Array,
): { bias: Float32Array; shift: Float64Array } {
  const shift = quantizedMean.map((q, c) => q - floatMean[c]);
  return { bias: bias.map((b, c) => b - shift[c]), shift };
}
