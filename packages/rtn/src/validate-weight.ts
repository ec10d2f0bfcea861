import { assertWeightMatrix, LowbitError, type tf } from '@lowbit/core-tensor';
import type { RtnConfig } from './config';

function checkGroupFits(shape: number[], config: RtnConfig, name: string): void {
  if (config.groupSize === 'channel') return;
  const [length, what, alternative] =
    config.type === 'int'
      ? [shape[1], 'input dimension', " or groupSize: 'channel'"]
      : [shape[0] * shape[1], 'element count', ''];
  if (config.groupSize > length) {
    throw new LowbitError(
      'BAD_ARGS',
      `groupSize ${config.groupSize} is larger than the ${what} of weight "${name}" (${length}); use groupSize ≤ ${length}${alternative}.`,
    );
  }
}

/** Throws a LowbitError naming `name` unless the weight is a finite, non-empty float32 [out, in] matrix. */
export function validateWeight(weight: tf.Tensor, config: RtnConfig, name: string): void {
  assertWeightMatrix(weight, name);
  checkGroupFits(weight.shape, config, name);
}
