import { type Mapping, type QuantTarget, tf } from '@lowbit/core-tensor';

/**
 * Folds smoothing scales s into a mapping: the smoothing layer's output channel j is divided by
 * s[j] and input column j of every balance weight [out, in] is multiplied by it, so the float
 * model computes the same function while the balance layers' inputs shrink by s.
 */
export function foldSmoothing(mapping: Mapping, balance: readonly QuantTarget[], s: Float32Array): void {
  mapping.divideOutput(s);
  for (const target of balance) {
    const scaled = tf.tidy(() => tf.mul(target.weight(), tf.tensor1d(s)));
    target.setWeight(scaled);
    scaled.dispose();
  }
}
