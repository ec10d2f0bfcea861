import { testDataPath } from '@lowbit/core-tensor';

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** The real CNN and Debian's Fashion-MNIST test split, or undefined (a skip) when absent outside CI. */
export function fashionMnistFiles(): { model: string; images: string; labels: string } | undefined {
  const model = testDataPath('cnn/fashion-mnist-cnn.onnx');
  const images = testDataPath('t10k-images-idx3-ubyte.gz', FASHION_MNIST);
  const labels = testDataPath('t10k-labels-idx1-ubyte.gz', FASHION_MNIST);
  return model && images && labels ? { model, images, labels } : undefined;
}
