/** The grid value with the smallest loss (the first on ties) and that loss. */
export function searchAlpha(
  grid: readonly number[],
  loss: (alpha: number) => number,
): { alpha: number; mse: number } {
  let best = { alpha: grid[0], mse: loss(grid[0]) };
  for (const alpha of grid.slice(1)) {
    const mse = loss(alpha);
    if (mse < best.mse) best = { alpha, mse };
  }
  return best;
}
