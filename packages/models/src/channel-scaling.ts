import { type QuantTarget, tf } from '@lowbit/core-tensor';

/**
 * Divides output channel j of a target's weight and bias by s[j] (a CLE mapping's divideOutput).
 * A bias that is all zeros (or absent) stays as it is, so no bias is added to a layer without one.
 */
export function divideOutputChannels(target: QuantTarget, s: Float32Array): void {
  tf.tidy(() => {
    const shape = [target.shape[0], ...target.shape.slice(1).map(() => 1)];
    target.setWeight(tf.div(target.weight(), tf.tensor(s, shape)));
  });
  const bias = target.bias?.read();
  if (bias?.some((b) => b !== 0)) target.bias?.write(bias.map((b, j) => b / s[j]));
}
