import { tf } from '@lowbit/core-tensor';

let created = 0;

/**
 * A trainable (or not) variable holding `initial`'s values; `initial` is disposed (the variable keeps
 * its own reference). Names are unique and non-numeric, so tfjs optimizers keep their slots in
 * var-list order (numeric names would be reordered as object keys).
 */
export function variableFrom(initial: tf.Tensor, trainable: boolean, label = 'var'): tf.Variable {
  created += 1;
  const variable = tf.variable(initial, trainable, `qat/${label}/${created}`);
  initial.dispose();
  return variable;
}
