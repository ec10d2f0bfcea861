import { ArrayTarget, initBackend, type QuantModel, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { top1Accuracy } from './accuracy';
import type { ImageClassificationData } from './image-classification';

/** Four 1×1×2 "images"; the class is the brighter pixel. */
const DATA: ImageClassificationData = {
  images: Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.4, 0.6),
  shape: [4, 1, 1, 2],
  labels: Int32Array.of(0, 1, 1, 1),
};

/** logits = flatten(x) Wᵀ with W = identity: the brighter pixel wins. */
function identityClassifier(): QuantModel {
  const target = new ArrayTarget('w', 'linear', [2, 2], Float32Array.of(1, 0, 0, 1));
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [
      {
        name: 'graph',
        targets: [target],
        mappings: [],
        forward: (x) =>
          tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], 2]), target.weight(), false, true)),
      },
    ],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
  };
}

describe.each(TEST_BACKENDS)('top1Accuracy on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('scores a QuantModel batch by batch, reports progress and releases every tensor', () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const result = top1Accuracy(identityClassifier(), DATA, {
      batchSize: 3,
      onProgress: (e) => progress.push(e.done),
    });
    expect(result).toEqual({ accuracy: 0.75, correct: 3, total: 4, predictions: Int32Array.of(0, 1, 0, 1) });
    expect(progress).toEqual([3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts a plain logits function and rejects logits of the wrong shape', () => {
    const flipped = (batch: tf.Tensor4D) => tf.neg(tf.reshape(batch, [batch.shape[0], 2]));
    expect(top1Accuracy(flipped, DATA).correct).toBe(1);
    const before = tf.memory().numTensors;
    expect(() => top1Accuracy((batch) => tf.reshape(batch, [-1]), DATA)).toThrow(
      expect.objectContaining({ code: 'BAD_TENSOR' }),
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
