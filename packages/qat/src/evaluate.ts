import { tf } from '@lowbit/core-tensor';
import { checkImageData, gatherBatch, type ImageData, ranges } from './data';
import { softmaxCrossEntropy } from './loss';
import type { QatModel } from './qat-model';

export interface QatEvaluation {
  /** Top-1 accuracy in [0, 1]. */
  accuracy: number;
  /** Mean softmax cross-entropy. */
  loss: number;
}

/** Top-1 accuracy and loss of the fake-quantized model in inference mode (BN running statistics). */
export function evaluateQat(qat: QatModel, data: ImageData, batchSize = 500): QatEvaluation {
  checkImageData(data, 'heldOut', qat.inputShape);
  let correct = 0;
  let lossSum = 0;
  for (const indices of ranges(data.shape[0], batchSize)) {
    const batch = gatherBatch(data, indices);
    const [predicted, loss] = tf.tidy(() => {
      const logits = qat.forward(batch.images, { training: false });
      const labels = tf.tensor1d(batch.labels, 'int32');
      return [tf.argMax(logits, 1).dataSync(), softmaxCrossEntropy(logits, labels).dataSync()[0]] as const;
    });
    batch.images.dispose();
    predicted.forEach((p, i) => {
      if (p === batch.labels[i]) correct++;
    });
    lossSum += loss * indices.length;
  }
  return { accuracy: correct / data.shape[0], loss: lossSum / data.shape[0] };
}
