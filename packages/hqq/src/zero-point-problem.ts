import { codeRange, groupLayout, type QuantArgs, tf } from '@lowbit/core-tensor';

/**
 * The fixed parts of HQQ's zero-point problem for one weight, in the grouped layout
 * [outer, groups, size, inner] of its group granularity: a ragged last group is padded with zeros
 * that a mask keeps out of every sum. Parameters live in [outer, groups, 1, inner] and broadcast
 * over each group.
 */
export interface ZeroPointProblem {
  readonly weight: tf.Tensor4D;
  /** W / s, computed once: HQQ keeps the scale fixed. */
  readonly scaled: tf.Tensor4D;
  /** The group means of W / s, as [outer, groups, 1, inner]. */
  readonly scaledMean: tf.Tensor4D;
  readonly scale: tf.Tensor4D;
  /** 1 on real elements, 0 on padding; absent when every group is whole. */
  readonly mask?: tf.Tensor4D;
  /** Real elements per group: one number, or [1, groups, 1, 1] when the last group is ragged. */
  readonly counts: number | tf.Tensor4D;
  /** Real elements of the weight. */
  readonly elements: number;
  readonly codeMin: number;
  readonly codeMax: number;
  /** Parameters in the granularity's paramShape → [outer, groups, 1, inner]. */
  grouped(params: tf.Tensor): tf.Tensor4D;
  /** [outer, groups, 1, inner] → the granularity's paramShape. */
  ungrouped(params: tf.Tensor): tf.Tensor;
}

/** 1 where position j of group g is inside the axis (g·size + j < length), as [1, groups, size, 1]. */
function raggedMask(groups: number, size: number, length: number): tf.Tensor4D {
  const values = Float32Array.from({ length: groups * size }, (_, i) => (i < length ? 1 : 0));
  return tf.tensor4d(values, [1, groups, size, 1]);
}

function raggedCounts(groups: number, size: number, length: number): tf.Tensor4D {
  const counts = Float32Array.from({ length: groups }, (_, g) => Math.min(size, length - g * size));
  return tf.tensor4d(counts, [1, groups, 1, 1]);
}

/**
 * The problem of `weight` quantized with `args` (a group granularity) and the min/max `scale` of
 * paramShape. The caller keeps ownership of its inputs and disposes the problem.
 */
export function createZeroPointProblem(
  weight: tf.Tensor,
  scale: tf.Tensor,
  args: QuantArgs,
): ZeroPointProblem {
  const layout = groupLayout(weight.shape, args.granularity);
  const { outer, groups, groupSize, inner, length, paramShape } = layout;
  const missing = groups * groupSize - length;
  const grouped = (params: tf.Tensor) => tf.reshape(params, [outer, groups, 1, inner]) as tf.Tensor4D;
  const padded = tf.tidy(() => {
    const w3 = tf.reshape(weight, [outer, length, inner]);
    const whole =
      missing === 0
        ? w3
        : tf.pad(w3, [
            [0, 0],
            [0, missing],
            [0, 0],
          ]);
    return tf.reshape(whole, [outer, groups, groupSize, inner]) as tf.Tensor4D;
  });
  const groupedScale = tf.tidy(() => grouped(scale));
  const { min, max } = codeRange(args);
  const problem = {
    weight: padded,
    scaled: tf.div(padded, groupedScale) as tf.Tensor4D,
    scale: groupedScale,
    mask: missing === 0 ? undefined : raggedMask(groups, groupSize, length),
    counts: missing === 0 ? groupSize : raggedCounts(groups, groupSize, length),
    elements: weight.size,
    codeMin: min,
    codeMax: max,
    grouped,
    ungrouped: (params: tf.Tensor) => tf.reshape(params, paramShape),
  };
  return { ...problem, scaledMean: groupMean(problem, problem.scaled) };
}

export function disposeZeroPointProblem(problem: ZeroPointProblem): void {
  const { weight, scaled, scaledMean, scale, mask, counts } = problem;
  tf.dispose([
    weight,
    scaled,
    scaledMean,
    scale,
    ...(mask ? [mask] : []),
    ...(typeof counts === 'number' ? [] : [counts]),
  ]);
}

type Padding = Pick<ZeroPointProblem, 'mask' | 'counts'>;

/** x with the padding zeroed (x itself when groups are whole). */
export function realOnly(problem: Padding, x: tf.Tensor): tf.Tensor {
  return problem.mask ? tf.mul(x, problem.mask) : x;
}

/** Mean of x over the real elements of each group, as [outer, groups, 1, inner]. */
export function groupMean(problem: Padding, x: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sum(realOnly(problem, x), 2, true), problem.counts) as tf.Tensor4D);
}

/** Sum of x over every real element, as a scalar tensor. */
export function realSum(problem: Padding, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(realOnly(problem, x)));
}
