import { assertWeightMatrix, LowbitError, type tf } from '@lowbit/core-tensor';
import type { HqqConfig } from './config';

const AXIS_NAMES = ['output', 'input'];

/**
 * Throws a LowbitError naming `name` unless the weight is a finite, non-empty float32 [out, in]
 * matrix whose grouped dimension holds at least one whole group.
 */
export function validateWeight(weight: tf.Tensor, config: HqqConfig, name: string): void {
  assertWeightMatrix(weight, name);
  const length = (weight as tf.Tensor2D).shape[config.axis];
  if (config.groupSize > length) {
    throw new LowbitError(
      'BAD_ARGS',
      `groupSize ${config.groupSize} is larger than the ${AXIS_NAMES[config.axis]} dimension of weight "${name}" (${length}); use groupSize ≤ ${length}.`,
    );
  }
}
