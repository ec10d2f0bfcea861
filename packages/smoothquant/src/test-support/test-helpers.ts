import {
  ArrayTarget,
  type Block,
  type CaptureFn,
  forwardModel,
  type QuantModel,
  testDataPath,
  tf,
} from '@lowbit/core-tensor';
import { type LlamaModel, loadLlama2c, loadTokenizer, type Tokenizer } from '@lowbit/models';

export { expectLowbitError } from '@lowbit/core-tensor/testing';

/** x [..., in] · wᵀ for w [out, in], with an explicit transpose. */
export function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.matMul(x, tf.transpose(w)));
}

/** A toy model: one block computing fc(x ⊙ gain), where `gain` is the smoothing "norm" of fc. */
export interface ToyModel extends QuantModel {
  gain: Float32Array;
  fc: ArrayTarget;
}

export function toyModel(gain: number[], weight: number[][]): ToyModel {
  const g = Float32Array.from(gain);
  const fc = new ArrayTarget('fc', 'linear', [weight.length, gain.length], Float32Array.from(weight.flat()));
  const block: Block = {
    name: 'toy',
    targets: [fc],
    mappings: [
      {
        smooth: 'norm',
        balance: ['fc'],
        divideOutput: (s) => {
          for (let j = 0; j < g.length; j++) g[j] /= s[j];
        },
      },
    ],
    forward: (x: tf.Tensor, capture?: CaptureFn) =>
      tf.tidy(() => {
        const normed = tf.mul(x, tf.tensor1d(g));
        return linear(capture?.('fc', normed) ?? normed, fc.weight());
      }),
  };
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (x) => tf.clone(x),
    head: (x) => tf.clone(x),
    gain: g,
    fc,
  };
}

/** The model's output for a batch, as an array. */
export function outputOf(model: QuantModel, batch: tf.Tensor): Float32Array {
  return tf.tidy(() => forwardModel(model, batch).dataSync() as Float32Array);
}

/** max |a − b| / max |b|. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

export const STORIES_PATHS = {
  model: testDataPath('llm/stories260K.bin'),
  tokenizer: testDataPath('llm/tok512.bin'),
  valid: testDataPath('text/tinystories-valid.txt'),
  train: testDataPath('text/tinystories-train-excerpt.txt'),
};

/** Whether the stories260K files are present (tests skip otherwise, fail under CI). */
export const HAS_STORIES = Object.values(STORIES_PATHS).every((p) => p !== undefined);

/** A fresh stories260K model. */
export function loadStories(): LlamaModel {
  return loadLlama2c(STORIES_PATHS.model!);
}

export function loadStoriesTokenizer(): Tokenizer {
  return loadTokenizer(STORIES_PATHS.tokenizer!, { vocabSize: 512 });
}
