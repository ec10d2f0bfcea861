// HF llama applies RoPE with rotate_half, pairing channels (j, j + S/2) of a head; llama2.c (and
// Meta's checkpoints) pair (2j, 2j + 1). HF's conversion script permutes the rows of wq and wk
// so that both compute the same attention: per head, row 2j + s becomes row s·S/2 + j.

/** Moves row `from(h, j, s)` to row `to(h, j, s)` for every head h, pair j and member s ∈ {0, 1}. */
function permuteRows(
  w: Float32Array,
  heads: number,
  cols: number,
  from: (j: number, s: number, half: number) => number,
  to: (j: number, s: number, half: number) => number,
): Float32Array {
  const size = w.length / cols / heads;
  const half = size / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) {
        const src = (h * size + from(j, s, half)) * cols;
        out.set(w.subarray(src, src + cols), (h * size + to(j, s, half)) * cols);
      }
    }
  }
  return out;
}

const interleaved = (j: number, s: number) => 2 * j + s;
const halves = (j: number, s: number, half: number) => s * half + j;

/** llama2.c row order → HF rotate_half row order (for saving). */
export function interleavedToHalves(w: Float32Array, heads: number, cols: number): Float32Array {
  return permuteRows(w, heads, cols, interleaved, halves);
}

/** HF rotate_half row order → llama2.c row order (for loading). */
export function halvesToInterleaved(w: Float32Array, heads: number, cols: number): Float32Array {
  return permuteRows(w, heads, cols, halves, interleaved);
}
