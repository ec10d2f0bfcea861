import { denseGram, LowbitError, tf } from '@lowbit/core-tensor';

/**
 * What AWQ keeps of a layer's calibration inputs: per input channel the sum of |x|, and the Gram
 * matrix Σ x xᵀ, in float64 outside tfjs. Memory is channels² whatever the number of tokens, and
 * every output error AWQ scores, ‖(W − Ŵ) x‖² summed over tokens, is tr((W − Ŵ) G (W − Ŵ)ᵀ).
 */
export class InputStats {
  private readonly absSum: Float64Array;
  private readonly gramSum: Float64Array;
  private tokenCount = 0;

  constructor(readonly channels: number) {
    this.absSum = new Float64Array(channels);
    this.gramSum = new Float64Array(channels * channels);
  }

  get tokens(): number {
    return this.tokenCount;
  }

  /** Adds a captured input [..., channels]; throws BAD_TENSOR naming `where` on a wrong shape, NaN or Inf. */
  add(input: tf.Tensor, where: string): void {
    if (input.shape[input.rank - 1] !== this.channels) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${where}: a captured input is [${input.shape}]; expected [..., ${this.channels}] (the layer's input channels).`,
      );
    }
    const absSum = tf.tidy(() => tf.sum(tf.abs(tf.reshape(input, [-1, this.channels])), 0).dataSync());
    if (!absSum.every(Number.isFinite)) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${where}: a calibration input holds NaN or Inf; check the calibration batches and the layers before it.`,
      );
    }
    const gram = denseGram(input);
    for (let j = 0; j < absSum.length; j++) this.absSum[j] += absSum[j];
    for (let j = 0; j < gram.length; j++) this.gramSum[j] += gram[j];
    this.tokenCount += input.size / this.channels;
  }

  /** x̄: the mean |x| of each input channel. */
  meanAbs(): Float32Array {
    return Float32Array.from(this.absSum, (sum) => sum / this.tokenCount);
  }

  /** E[x xᵀ] over the tokens seen, [channels, channels] (the caller disposes it). */
  gram(): tf.Tensor2D {
    const mean = new Float32Array(this.gramSum.length);
    for (let i = 0; i < mean.length; i++) mean[i] = this.gramSum[i] / this.tokenCount;
    return tf.tensor2d(mean, [this.channels, this.channels]);
  }

  /** The statistics of the inputs divided channel-wise by s, as they are once s is folded upstream. */
  divideChannels(s: Float32Array): void {
    const n = this.channels;
    for (let i = 0; i < n; i++) {
      this.absSum[i] /= s[i];
      for (let j = 0; j < n; j++) this.gramSum[i * n + j] /= s[i] * s[j];
    }
  }
}
