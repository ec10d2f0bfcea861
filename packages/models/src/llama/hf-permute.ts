// HF llama applies RoPE with rotate_half, pairing channels (j, j + S/2) of a head; llama2.c (and
// Meta's checkpoints) pair (2j, 2j + 1). HF's conversion script permutes the rows of wq and wk
// so that both compute the same attention: per head, llama2.c row 2j + s becomes HF row s·S/2 + j.

/** For each HF row, the llama2.c row it holds, for `heads` heads of `size` rows. */
export function halvesRowSource(heads: number, size: number): Int32Array {
  const half = size / 2;
  const source = new Int32Array(heads * size);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) source[h * size + s * half + j] = h * size + 2 * j + s;
    }
  }
  return source;
}

/** The permutation that undoes `order`. */
export function inverseOrder(order: Int32Array): Int32Array {
  const inverse = new Int32Array(order.length);
  order.forEach((from, to) => {
    inverse[from] = to;
  });
  return inverse;
}

/** A row-major matrix of `cols` columns whose row r is row source[r] of `values`. */
export function gatherRows<T extends Int32Array | Float32Array>(
  values: T,
  source: Int32Array,
  cols: number,
): T {
  const out = new (values.constructor as { new (n: number): T })(values.length);
  source.forEach((from, to) => {
    out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
  });
  return out;
}

/** llama2.c row order → HF rotate_half row order (for saving). */
export function interleavedToHalves(w: Float32Array, heads: number, cols: number): Float32Array {
  return gatherRows(w, halvesRowSource(heads, w.length / cols / heads), cols);
}

/** HF rotate_half row order → llama2.c row order (for loading). */
export function halvesToInterleaved(w: Float32Array, heads: number, cols: number): Float32Array {
  return gatherRows(w, inverseOrder(halvesRowSource(heads, w.length / cols / heads)), cols);
}
