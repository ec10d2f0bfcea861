import { forwardModel, type QuantModel, tf } from '@lowbit/core-tensor';

/** The model's logits for token ids [B][T], flattened. */
export function logitsOf(model: QuantModel, ids: number[][]): Float32Array {
  return tf.tidy(() => forwardModel(model, tf.tensor2d(ids, undefined, 'int32')).dataSync() as Float32Array);
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
