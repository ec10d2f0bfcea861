import { LowbitError, tf } from '@lowbit/core-tensor';

/** The running min and max of every input channel of a layer's calibration inputs [..., channels]. */
export class ChannelRange {
  readonly min: Float32Array;
  readonly max: Float32Array;

  constructor(readonly channels: number) {
    this.min = new Float32Array(channels).fill(Number.POSITIVE_INFINITY);
    this.max = new Float32Array(channels).fill(Number.NEGATIVE_INFINITY);
  }

  /** Folds in an input; throws BAD_TENSOR naming `where` on a wrong channel count, NaN or Inf. */
  add(input: tf.Tensor, where: string): void {
    if (input.shape[input.rank - 1] !== this.channels) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${where}: a captured input is [${input.shape}]; expected [..., ${this.channels}] (the layer's input channels).`,
      );
    }
    const [min, max] = tf.tidy(() => {
      const x = tf.reshape(input, [-1, this.channels]);
      return [tf.min(x, 0).dataSync(), tf.max(x, 0).dataSync()];
    });
    if (!min.every(Number.isFinite) || !max.every(Number.isFinite)) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${where}: a calibration input holds NaN or Inf; check the calibration batches and the layers before it.`,
      );
    }
    for (let j = 0; j < this.channels; j++) {
      this.min[j] = Math.min(this.min[j], min[j]);
      this.max[j] = Math.max(this.max[j], max[j]);
    }
  }

  /** max|X_j| of every channel. */
  absMax(): Float32Array {
    return Float32Array.from(this.max, (hi, j) => Math.max(hi, -this.min[j]));
  }

  /** The per-tensor [min, max] of the inputs once channel j is divided by s[j] > 0 (all ones: none). */
  tensorRange(s?: Float32Array): { min: number; max: number } {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < this.channels; j++) {
      const divisor = s ? s[j] : 1;
      min = Math.min(min, this.min[j] / divisor);
      max = Math.max(max, this.max[j] / divisor);
    }
    return { min, max };
  }
}
