import { LowbitError, tf } from '@lowbit/core-tensor';

/** Labelled images, NCHW floats (structurally @lowbit/models' ImageClassificationData). */
export interface ImageData {
  images: Float32Array;
  /** [N, C, H, W] */
  shape: readonly [number, number, number, number] | readonly number[];
  labels: Int32Array;
}

function badTensor(message: string): never {
  throw new LowbitError('BAD_TENSOR', message);
}

/**
 * Checks that `data` holds N images of `imageShape` ([C, H, W], when known) and N labels in
 * [0, classes); the errors name `what` and the expected shape.
 */
export function checkImageData(data: ImageData, what: string, imageShape?: readonly number[]): void {
  const shape = Array.from(data?.shape ?? []);
  const expected = imageShape ? `[N, ${imageShape.join(', ')}]` : '[N, C, H, W]';
  if (!(data?.images instanceof Float32Array) || shape.length !== 4 || shape.some((d) => !(d >= 1))) {
    badTensor(`${what} must hold Float32Array images of shape ${expected}; got shape [${shape}].`);
  }
  if (imageShape && shape.slice(1).some((d, i) => d !== imageShape[i])) {
    badTensor(`${what} images are [${shape}]; the model takes ${expected}.`);
  }
  const count = shape[0];
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.images.length !== size) {
    badTensor(
      `${what} has ${data.images.length} pixel values but shape [${shape}] needs ${size}; fix shape or images.`,
    );
  }
  if (!(data.labels instanceof Int32Array) || data.labels.length !== count) {
    badTensor(
      `${what} has ${data.labels?.length ?? 'no'} labels for ${count} images; pass one Int32Array label per image.`,
    );
  }
}

/** Images `indices` of `data` as one NCHW batch (a new tensor) and their labels. */
export function gatherBatch(
  data: ImageData,
  indices: ArrayLike<number>,
): { images: tf.Tensor4D; labels: Int32Array } {
  const [, c, h, w] = data.shape;
  const imageSize = c * h * w;
  const pixels = new Float32Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    pixels.set(data.images.subarray(j * imageSize, (j + 1) * imageSize), i * imageSize);
    labels[i] = data.labels[j];
  }
  return { images: tf.tensor4d(pixels, [indices.length, c, h, w]), labels };
}

/** Consecutive index ranges [start, start + size) covering `count` items. */
export function ranges(count: number, size: number): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < count; start += size) {
    out.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  }
  return out;
}
