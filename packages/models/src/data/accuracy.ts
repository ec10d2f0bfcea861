import { forwardModel, LowbitError, type ProgressOptions, type QuantModel, tf } from '@lowbit/core-tensor';
import type { ImageClassificationData } from './image-classification';

/** A classifier: a QuantModel, or a function from an image batch to logits [B, classes]. */
export type ImageClassifier = QuantModel | ((batch: tf.Tensor4D) => tf.Tensor);

export interface Top1Options extends ProgressOptions {
  /** Images per forward pass (default 500). */
  batchSize?: number;
}

export interface Top1Result {
  accuracy: number;
  correct: number;
  total: number;
  /** The predicted class of every image. */
  predictions: Int32Array;
}

function logitsOf(classifier: ImageClassifier, batch: tf.Tensor4D): tf.Tensor {
  return typeof classifier === 'function' ? classifier(batch) : forwardModel(classifier, batch);
}

/** The argmax class of each image of a batch; every tensor is released, even on error. */
function predictBatch(
  classifier: ImageClassifier,
  pixels: Float32Array,
  shape: [number, number, number, number],
): Int32Array {
  return tf.tidy(() => {
    const batch = tf.tensor4d(pixels, shape);
    const logits = logitsOf(classifier, batch);
    if (logits.rank !== 2 || logits.shape[0] !== shape[0]) {
      throw new LowbitError(
        'BAD_TENSOR',
        `The classifier returned logits [${logits.shape}]; expected [${shape[0]}, classes].`,
      );
    }
    return tf.argMax(logits, 1).dataSync() as Int32Array;
  });
}

/** Top-1 accuracy of a classifier on labelled images, batch by batch, releasing every tensor. */
export function top1Accuracy(
  classifier: ImageClassifier,
  data: ImageClassificationData,
  options: Top1Options = {},
): Top1Result {
  const { batchSize = 500, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new LowbitError('BAD_ARGS', `batchSize must be a positive integer; got ${batchSize}.`);
  }
  const [total, channels, height, width] = data.shape;
  const imageSize = channels * height * width;
  const predictions = new Int32Array(total);
  let correct = 0;
  for (let start = 0; start < total; start += batchSize) {
    const size = Math.min(batchSize, total - start);
    const pixels = data.images.subarray(start * imageSize, (start + size) * imageSize);
    predictions.set(predictBatch(classifier, pixels, [size, channels, height, width]), start);
    for (let i = start; i < start + size; i++) if (predictions[i] === data.labels[i]) correct++;
    onProgress?.({ stage: 'top1', done: start + size, total });
  }
  return { accuracy: total ? correct / total : 0, correct, total, predictions };
}
