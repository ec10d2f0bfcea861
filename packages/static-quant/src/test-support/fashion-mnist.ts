import { testDataPath } from '@lowbit/core-tensor';
import {
  type ImageClassificationData,
  loadImageClassification,
  loadOnnxModel,
  type OnnxModel,
} from '@lowbit/models';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** Debian's Fashion-MNIST split ('train' or 't10k'), or undefined when absent outside CI. */
export function fashionMnist(split: 'train' | 't10k', limit?: number): ImageClassificationData | undefined {
  const images = testDataPath(`${split}-images-idx3-ubyte.gz`, FASHION_MNIST);
  const labels = testDataPath(`${split}-labels-idx1-ubyte.gz`, FASHION_MNIST);
  return images && labels ? loadImageClassification(images, labels, { limit }) : undefined;
}

/** The pretrained Fashion-MNIST CNN (a fresh copy on every call), or undefined when absent outside CI. */
export function fashionMnistCnn(): OnnxModel | undefined {
  const path = testDataPath('cnn/fashion-mnist-cnn.onnx');
  return path ? loadOnnxModel(path) : undefined;
}

/** The first `count` images of a split as NCHW calibration batches of `batch` images. */
export function calibrationBatches(data: ImageClassificationData, count: number, batch = 64): Float32Array[] {
  const size = data.shape[1] * data.shape[2] * data.shape[3];
  const batches: Float32Array[] = [];
  for (let start = 0; start < count; start += batch) {
    batches.push(data.images.slice(start * size, Math.min(count, start + batch) * size));
  }
  return batches;
}
