/** Smallest and largest of `values` (non-empty, finite). */
export function dataRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = values[0];
  let max = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}
