import { codeRange, groupLayout, type QuantArgs, tf } from '@lowbit/core-tensor';
import { fromRowOrder, type GroupRows, groupRows, toRowOrder } from './group-rows';

/**
 * The fixed parts of HQQ's zero-point problem for one weight. The solver runs on `rows`, plain
 * arrays; the tensors show the weight in the grouped layout [outer, groups, size, inner] of its
 * group granularity, a ragged last group padded with zeros that `mask` marks. Parameters live in
 * [outer, groups, 1, inner] and broadcast over each group.
 */
export interface ZeroPointProblem {
  readonly weight: tf.Tensor4D;
  readonly scale: tf.Tensor4D;
  /** 1 on real elements, 0 on padding, as [1, groups, size, 1]; absent when every group is whole. */
  readonly mask?: tf.Tensor4D;
  /** W / s and s in row order, what the solver reads. */
  readonly rows: GroupRows;
  /** Real elements of the weight. */
  readonly elements: number;
  readonly codeMin: number;
  readonly codeMax: number;
  /** Parameters in the granularity's paramShape → [outer, groups, 1, inner]. */
  grouped(params: tf.Tensor): tf.Tensor4D;
  /** [outer, groups, 1, inner] → the granularity's paramShape. */
  ungrouped(params: tf.Tensor): tf.Tensor;
  /** Grouped parameters → the solver's row order. */
  toRows(params: tf.Tensor): Float32Array;
  /** The solver's row order → grouped parameters. */
  fromRows(params: Float32Array): tf.Tensor4D;
}

/** 1 where position j of group g is inside the axis (g·size + j < length), as [1, groups, size, 1]. */
function raggedMask(groups: number, size: number, length: number): tf.Tensor4D {
  const values = Float32Array.from({ length: groups * size }, (_, i) => (i < length ? 1 : 0));
  return tf.tensor4d(values, [1, groups, size, 1]);
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
  const groupedShape = [outer, groups, 1, inner] as const;
  const grouped = (params: tf.Tensor) => tf.reshape(params, [...groupedShape]) as tf.Tensor4D;
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
  const codes = codeRange(args);
  return {
    weight: padded,
    scale: grouped(scale),
    mask: missing === 0 ? undefined : raggedMask(groups, groupSize, length),
    rows: groupRows(weight.dataSync(), scale.dataSync(), layout, codes),
    elements: weight.size,
    codeMin: codes.min,
    codeMax: codes.max,
    grouped,
    ungrouped: (params: tf.Tensor) => tf.reshape(params, paramShape),
    toRows: (params: tf.Tensor) => toRowOrder(params.dataSync(), layout),
    fromRows: (params: Float32Array) => tf.tensor4d(fromRowOrder(params, layout), [...groupedShape]),
  };
}

export function disposeZeroPointProblem(problem: ZeroPointProblem): void {
  tf.dispose([problem.weight, problem.scale, ...(problem.mask ? [problem.mask] : [])]);
}
