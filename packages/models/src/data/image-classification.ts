import { LowbitError } from '@lowbit/core-tensor';
import { readIdx } from './idx';

/** Images as NCHW floats in [0, 1] with their class labels. */
export interface ImageClassificationData {
  images: Float32Array;
  /** [N, 1, H, W] */
  shape: [number, number, number, number];
  labels: Int32Array;
}

export interface LoadImageClassificationOptions {
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/** Loads an IDX image file (uint8 [N, H, W]) and its label file (uint8 [N]), e.g. Fashion-MNIST. */
export function loadImageClassification(
  imagesPath: string,
  labelsPath: string,
  options: LoadImageClassificationOptions = {},
): ImageClassificationData {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new LowbitError(
      'BAD_FILE',
      `${imagesPath} must hold uint8 images [N, H, W]; it holds [${images.dims}].`,
    );
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new LowbitError(
      'BAD_FILE',
      `${labelsPath} must hold one label per image (${images.dims[0]}); it holds [${labels.dims}]. Pair the matching files.`,
    );
  }
  const [total, height, width] = images.dims;
  const limit = options.limit ?? total;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new LowbitError('BAD_ARGS', `limit must be a positive integer; got ${limit}.`);
  }
  const count = Math.min(limit, total);
  const pixels = images.data.subarray(0, count * height * width);
  return {
    images: Float32Array.from(pixels, (p) => p / 255),
    shape: [count, 1, height, width],
    labels: Int32Array.from(labels.data.subarray(0, count)),
  };
}
