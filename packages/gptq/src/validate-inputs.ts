import { assertFinite, LowbitError, type tf } from '@lowbit/core-tensor';
import type { GptqConfig } from './config';

/** Throws a LowbitError naming `name` unless W is a finite float32 [out, in] and H a finite float32 [in, in]. */
export function validateInputs(
  weight: tf.Tensor,
  hessian: tf.Tensor,
  config: GptqConfig,
  name: string,
): void {
  if (weight.rank !== 2 || weight.dtype !== 'float32') {
    throw new LowbitError(
      'BAD_TENSOR',
      `Weight "${name}" is ${weight.dtype} [${weight.shape}]; pass a float32 [out, in] matrix (reshape convolutions to [out, in·kh·kw]).`,
    );
  }
  const columns = weight.shape[1];
  const [h0, h1] = hessian.shape;
  if (hessian.rank !== 2 || h0 !== columns || h1 !== columns || hessian.dtype !== 'float32') {
    throw new LowbitError(
      'BAD_TENSOR',
      `Hessian of "${name}" is ${hessian.dtype} [${hessian.shape}]; pass a float32 [${columns}, ${columns}] matrix (in × in of the weight).`,
    );
  }
  assertFinite(weight, name);
  assertFinite(hessian, `${name}.H`);
  if (config.groupSize !== 'channel' && config.groupSize > columns) {
    throw new LowbitError(
      'BAD_ARGS',
      `groupSize ${config.groupSize} is larger than the input dimension of "${name}" (${columns}); use groupSize ≤ ${columns} or 'channel'.`,
    );
  }
}
