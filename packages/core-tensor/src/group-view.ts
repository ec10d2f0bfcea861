import { type Granularity, groupLayout } from './granularity';
import { expandParams } from './group-reduce';
import { tf } from './tf';

/**
 * A tensor seen as [outer, groups, groupSize, inner] so that parameters of shape
 * [·, groups, 1, inner] broadcast over each group with no gather: per tensor [1, 1, n, 1],
 * per channel [outer, length, 1, inner], per group the axis padded to whole groups.
 * With an explicit group index (GPTQ g_idx) the parameters are gathered per element instead.
 */
export interface GroupView {
  /** x in the grouped 4-D layout. */
  x: tf.Tensor4D;
  /** Parameters (paramShape) reshaped or gathered to broadcast against `x`. */
  params(p: tf.Tensor): tf.Tensor4D;
  /** A 4-D result back to the original shape (drops ragged padding). */
  restore(y: tf.Tensor): tf.Tensor;
}

export function groupView(x: tf.Tensor, granularity: Granularity, groupIndex?: Int32Array): GroupView {
  const shape = x.shape;
  const layout = groupLayout(shape, granularity);
  const { outer, length, inner, groups, groupSize } = layout;
  if (granularity.kind === 'tensor') {
    return {
      x: tf.reshape(x, [1, 1, x.size, 1]),
      params: (p) => tf.reshape(p, [1, 1, 1, 1]),
      restore: (y) => tf.reshape(y, shape),
    };
  }
  if (granularity.kind === 'channel' || groupIndex) {
    return {
      x: tf.reshape(x, [outer, length, 1, inner]),
      params: (p) =>
        granularity.kind === 'channel'
          ? tf.reshape(p, [1, length, 1, 1])
          : tf.reshape(expandParams(p, shape, granularity, groupIndex), [outer, length, 1, inner]),
      restore: (y) => tf.reshape(y, shape),
    };
  }
  const missing = groups * groupSize - length;
  const x3 = tf.reshape(x, [outer, length, inner]);
  const padded =
    missing === 0
      ? x3
      : tf.pad(x3, [
          [0, 0],
          [0, missing],
          [0, 0],
        ]);
  return {
    x: tf.reshape(padded, [outer, groups, groupSize, inner]),
    params: (p) => tf.reshape(p, [outer, groups, 1, inner]),
    restore: (y) => {
      const y3 = tf.reshape(y, [outer, groups * groupSize, inner]);
      return tf.reshape(missing === 0 ? y3 : tf.slice(y3, [0, 0, 0], [-1, length, -1]), shape);
    },
  };
}
