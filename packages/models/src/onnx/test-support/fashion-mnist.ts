import { testDataPath } from '@lowbit/core-tensor';
import { type ImageClassificationData, loadImageClassification } from '../../data/image-classification';
import { loadOnnxModel, type OnnxModel } from '../onnx-model';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** The real CNN and Debian's Fashion-MNIST test split, or undefined (a skip) when absent outside CI. */
export function fashionMnistFiles(): { model: string; images: string; labels: string } | undefined {
  const model = testDataPath('cnn/fashion-mnist-cnn.onnx');
  const images = testDataPath('t10k-images-idx3-ubyte.gz', FASHION_MNIST);
  const labels = testDataPath('t10k-labels-idx1-ubyte.gz', FASHION_MNIST);
  return model && images && labels ? { model, images, labels } : undefined;
}

/** Debian's Fashion-MNIST split ('train' or 't10k'), or undefined when absent outside CI. */
export function fashionMnist(split: 'train' | 't10k', limit?: number): ImageClassificationData | undefined {
  const images = testDataPath(`${split}-images-idx3-ubyte.gz`, FASHION_MNIST);
  const labels = testDataPath(`${split}-labels-idx1-ubyte.gz`, FASHION_MNIST);
  return images && labels ? loadImageClassification(images, labels, { limit }) : undefined;
}

/** The pretrained Fashion-MNIST CNN (a fresh copy on every call), or undefined when absent outside CI. */
export function fashionMnistCnn(output?: string): OnnxModel | undefined {
  const path = testDataPath('cnn/fashion-mnist-cnn.onnx');
  return path ? loadOnnxModel(path, { output }) : undefined;
}
