import { type Granularity, type GroupLayout, groupLayout } from './granularity';
import { tf } from './tf';

export type GroupReduction = 'min' | 'max' | 'sum';

/** Reshapes x to its [outer, length, inner] view for `layout`. */
function as3d(x: tf.Tensor, layout: GroupLayout): tf.Tensor3D {
  return tf.reshape(x, [layout.outer, layout.length, layout.inner]);
}

/** Pads the middle axis of a 3-D view to whole groups: zeros for sums, edge copies for min/max. */
function padToWholeGroups(x3: tf.Tensor3D, layout: GroupLayout, op: GroupReduction): tf.Tensor3D {
  const missing = layout.groups * layout.groupSize - layout.length;
  if (missing === 0) return x3;
  if (op === 'sum')
    return tf.pad(x3, [
      [0, 0],
      [0, missing],
      [0, 0],
    ]);
  const edge = tf.slice(x3, [0, layout.length - 1, 0], [-1, 1, -1]);
  return tf.concat([x3, tf.tile(edge, [1, missing, 1])], 1);
}

function reduce(x: tf.Tensor, axes: number[], op: GroupReduction): tf.Tensor {
  if (op === 'min') return tf.min(x, axes);
  if (op === 'max') return tf.max(x, axes);
  return tf.sum(x, axes);
}

/**
 * Reduces x over each parameter group of `granularity`; the result has the layout's paramShape.
 * Ragged last groups reduce over their real elements only.
 */
export function reduceGroups(x: tf.Tensor, granularity: Granularity, op: GroupReduction): tf.Tensor {
  const layout = groupLayout(x.shape, granularity);
  return tf.tidy(() => {
    if (granularity.kind === 'tensor') return reduce(x, [...x.shape.keys()], op);
    const x3 = as3d(x, layout);
    if (granularity.kind === 'channel') return reduce(x3, [0, 2], op);
    const padded = padToWholeGroups(x3, layout, op);
    const x4 = tf.reshape(padded, [layout.outer, layout.groups, layout.groupSize, layout.inner]);
    return tf.reshape(reduce(x4, [2], op), layout.paramShape);
  });
}

/**
 * Broadcasts parameters of paramShape against the [outer, length, inner] view of a tensor of `shape`:
 * [1,1,1] per tensor, [1,length,1] per channel, and [outer,length,inner] (each group's value
 * repeated over its elements) per group. `groupIndex[j]` overrides the group of index j along the
 * axis (GPTQ's g_idx after act-order); by default it is floor(j / size).
 */
export function expandParams(
  p: tf.Tensor,
  shape: number[],
  granularity: Granularity,
  groupIndex?: Int32Array,
): tf.Tensor3D {
  const layout = groupLayout(shape, granularity);
  return tf.tidy(() => {
    if (granularity.kind === 'tensor') return tf.reshape(p, [1, 1, 1]);
    if (granularity.kind === 'channel') return tf.reshape(p, [1, layout.length, 1]);
    const p3 = tf.reshape(p, [layout.outer, layout.groups, layout.inner]);
    const groupOf = tf.tensor1d(
      groupIndex ?? Int32Array.from({ length: layout.length }, (_, j) => Math.floor(j / layout.groupSize)),
      'int32',
    );
    return tf.gather(p3, groupOf, 1) as tf.Tensor3D;
  });
}
