import { LowbitError, mulberry32, tf } from '@lowbit/core-tensor';
import type { ImageClassificationData } from './image-classification';

/** `count` distinct indices of [0, n), drawn reproducibly from `seed` (partial Fisher–Yates). */
export function sampleIndices(n: number, count: number, seed: number): Int32Array {
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new LowbitError('BAD_ARGS', `Cannot sample ${count} distinct indices out of ${n}.`);
  }
  const random = mulberry32(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}

export interface ImageBatchOptions {
  batchSize: number;
  /** Which images, in order; all of them by default. */
  indices?: ArrayLike<number>;
}

/** Copies the chosen images into NCHW batches (e.g. calibration data); the caller disposes them. */
export function imageBatches(
  data: Pick<ImageClassificationData, 'images' | 'shape'>,
  options: ImageBatchOptions,
): tf.Tensor4D[] {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new LowbitError('BAD_ARGS', `batchSize must be a positive integer; got ${batchSize}.`);
  }
  const [count, channels, height, width] = data.shape;
  const indices = options.indices ?? Int32Array.from({ length: count }, (_, i) => i);
  const imageSize = channels * height * width;
  const batches: tf.Tensor4D[] = [];
  for (let start = 0; start < indices.length; start += batchSize) {
    const size = Math.min(batchSize, indices.length - start);
    const values = new Float32Array(size * imageSize);
    for (let k = 0; k < size; k++) {
      const index = indices[start + k];
      if (!(index >= 0 && index < count))
        throw new LowbitError('BAD_ARGS', `Image index ${index} is outside [0, ${count}).`);
      values.set(data.images.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
    }
    batches.push(tf.tensor4d(values, [size, channels, height, width]));
  }
  return batches;
}
