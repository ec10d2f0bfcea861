import { LowbitError } from './errors';
import { tf } from './tf';

/** Throws a BAD_TENSOR LowbitError naming `name` when the tensor or array is empty or not finite. */
export function assertFinite(x: tf.Tensor | Float32Array | Float64Array, name: string): void {
  const size = x instanceof tf.Tensor ? x.size : x.length;
  if (size === 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Tensor "${name}" is empty; pass a tensor with at least one element.`,
    );
  }
  const bad = x instanceof tf.Tensor ? countNonFinite(x) : nonFiniteCount(x);
  if (bad > 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Tensor "${name}" has ${bad} NaN or Inf value(s); fix or remove them before quantizing.`,
      { name, nonFinite: bad },
    );
  }
}

function countNonFinite(x: tf.Tensor): number {
  return tf.tidy(() => {
    const finite = tf.isFinite(x);
    return x.size - tf.sum(tf.cast(finite, 'int32')).dataSync()[0];
  });
}

/** How many NaN or ±Inf values the array holds. */
export function nonFiniteCount(x: Float32Array | Float64Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) bad++;
  return bad;
}

/** Throws BAD_TENSOR naming `name` unless the weight is a finite, non-empty float32 2-D [out, in] matrix. */
export function assertWeightMatrix(weight: tf.Tensor, name: string): asserts weight is tf.Tensor2D {
  if (weight.rank !== 2) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Weight "${name}" has shape [${weight.shape}]; pass a 2-D [out, in] weight (reshape convolutions to [out, in·kh·kw]).`,
    );
  }
  if (weight.dtype !== 'float32') {
    throw new LowbitError(
      'BAD_TENSOR',
      `Weight "${name}" is ${weight.dtype}; cast it with tf.cast(weight, 'float32').`,
    );
  }
  assertFinite(weight, name);
}
