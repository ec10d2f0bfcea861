// GPTQ's act-order (desc_act): columns are processed by decreasing Hessian diagonal.

/** Column indices by decreasing H[i,i]; ties keep their original order. */
export function descendingDiagonalOrder(h: Float32Array, columns: number): Int32Array {
  const order = Int32Array.from({ length: columns }, (_, i) => i);
  return order.sort((a, b) => h[b * columns + b] - h[a * columns + a] || a - b);
}

/** Columns of a row-major [rows, columns] matrix in the order `perm` (new column c = old column perm[c]). */
export function permuteColumns<T extends Float32Array | Int32Array>(
  values: T,
  rows: number,
  columns: number,
  perm: Int32Array,
): T {
  const out = values.slice() as T;
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let c = 0; c < columns; c++) out[row + c] = values[row + perm[c]];
  }
  return out;
}

/** The inverse of {@link permuteColumns}: new column perm[c] = old column c. */
export function unpermuteColumns<T extends Float32Array | Int32Array>(
  values: T,
  rows: number,
  columns: number,
  perm: Int32Array,
): T {
  const out = values.slice() as T;
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let c = 0; c < columns; c++) out[row + perm[c]] = values[row + c];
  }
  return out;
}

/** H[perm][:, perm] of a square [n, n] matrix. */
export function permuteSymmetric(h: Float32Array, n: number, perm: Int32Array): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const source = perm[i] * n;
    for (let j = 0; j < n; j++) out[i * n + j] = h[source + perm[j]];
  }
  return out;
}

/** g_idx: the group of each original column when groups of `groupSize` run along the permuted order. */
export function groupIndexOf(perm: Int32Array, groupSize: number): Int32Array {
  const gIdx = new Int32Array(perm.length);
  perm.forEach((column, position) => {
    gIdx[column] = Math.floor(position / groupSize);
  });
  return gIdx;
}
