/**
 * GPTQ's dead inputs: a column i whose Hessian diagonal is 0 never saw a non-zero input, so its
 * weights cannot matter. Sets H[i,i] = 1 and W[:, i] = 0 in place (W [rows, columns], H [columns, columns]).
 * Returns how many columns were dead.
 */
export function zeroDeadColumns(w: Float32Array, h: Float32Array, rows: number, columns: number): number {
  let dead = 0;
  for (let i = 0; i < columns; i++) {
    if (h[i * columns + i] !== 0) continue;
    dead++;
    h[i * columns + i] = 1;
    for (let r = 0; r < rows; r++) w[r * columns + i] = 0;
  }
  return dead;
}
