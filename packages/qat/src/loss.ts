import { tf } from '@lowbit/core-tensor';

/**
 * Mean softmax cross-entropy of logits [B, classes] against integer labels. Log-probabilities
 * (e.g. an ONNX LogSoftmax output) give the same loss: log-softmax is idempotent.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits as tf.Tensor2D);
    const oneHot = tf.oneHot(labels as tf.Tensor1D, logits.shape[1] as number);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as tf.Scalar;
  });
}
