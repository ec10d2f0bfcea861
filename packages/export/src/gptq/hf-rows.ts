import { QuantizedTensor } from '@lowbit/core-tensor';

// HF llama applies RoPE with rotate_half, pairing channels (j, j + S/2) of a head; llama2.c pairs
// (2j, 2j + 1). HF checkpoints therefore hold wq and wk with rows permuted per head (as
// transformers' conversion script does): HF row s·S/2 + j is llama2.c row 2j + s.

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

export function inverseOrder(order: Int32Array): Int32Array {
  const inverse = new Int32Array(order.length);
  order.forEach((from, to) => {
    inverse[from] = to;
  });
  return inverse;
}

function gatherRows<T extends Int32Array | Float32Array>(values: T, source: Int32Array, cols: number): T {
  const out = new (values.constructor as { new (n: number): T })(values.length);
  source.forEach((from, to) => {
    out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
  });
  return out;
}

/** A quantized [out, in] weight whose output row r is row source[r] of `q` (codes, scales and zero points). */
export function permuteRows(q: QuantizedTensor, source: Int32Array): QuantizedTensor {
  const [out, inputs] = q.shape;
  const paramCols = q.scale.length / out;
  return new QuantizedTensor({
    ...q.toRecord(),
    codes: gatherRows(q.codes, source, inputs),
    scale: gatherRows(q.scale, source, paramCols),
    zeroPoint: gatherRows(q.zeroPoint, source, paramCols),
  });
}
