import type { GroupLayout } from '@lowbit/core-tensor';

/**
 * A weight as plain rows for the solver: W/s row by row, each row split into groups of `groupSize`
 * (the last one may be shorter), and one scale per group in the same row-major order. Groups along
 * axis 1 of [out, in] are already rows; along axis 0 the rows are the columns of the weight.
 */
export interface GroupRows {
  /** W / s, [rows, rowLength]: HQQ keeps the scale fixed. */
  readonly scaled: Float32Array;
  /** s per group, [rows, groupsPerRow]. */
  readonly scales: Float32Array;
  readonly rowLength: number;
  readonly groupSize: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

/** [outer, middle, inner] → [outer, inner, middle], as a new array. */
function swapInner(data: ArrayLike<number>, outer: number, middle: number, inner: number): Float32Array {
  if (inner === 1) return new Float32Array(data);
  const swapped = new Float32Array(outer * middle * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * middle * inner;
    for (let m = 0; m < middle; m++) {
      for (let i = 0; i < inner; i++) swapped[base + i * middle + m] = data[base + m * inner + i];
    }
  }
  return swapped;
}

/** Group parameters in the layout's [outer, groups, inner] order → row order [outer, inner, groups]. */
export function toRowOrder(params: ArrayLike<number>, layout: GroupLayout): Float32Array {
  return swapInner(params, layout.outer, layout.groups, layout.inner);
}

/** Row order [outer, inner, groups] → the layout's [outer, groups, inner]. */
export function fromRowOrder(params: Float32Array, layout: GroupLayout): Float32Array {
  return swapInner(params, layout.outer, layout.inner, layout.groups);
}

/** The rows of `weight` ([outer, length, inner] values) with `scale` in the layout's parameter order. */
export function groupRows(
  weight: ArrayLike<number>,
  scale: ArrayLike<number>,
  layout: GroupLayout,
  codes: { min: number; max: number },
): GroupRows {
  const { outer, length, inner, groupSize } = layout;
  const scaled = swapInner(weight, outer, length, inner);
  const scales = toRowOrder(scale, layout);
  for (let start = 0, k = 0; start < scaled.length; start += length) {
    for (let j = 0; j < length; j += groupSize, k++) {
      const end = start + Math.min(j + groupSize, length);
      for (let i = start + j; i < end; i++) scaled[i] /= scales[k];
    }
  }
  return { scaled, scales, rowLength: length, groupSize, codeMin: codes.min, codeMax: codes.max };
}
