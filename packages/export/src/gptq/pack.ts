import { packInt32, unpackInt32 } from '@lowbit/core-tensor';

// GPTQ's int32 packing: codes run LSB-first through a column's words, so 3-bit codes straddle
// word boundaries (code i occupies bits [3i, 3i + 3) of the column's little-endian bit stream).

/**
 * qweight: unsigned codes of a row-major [out, in] weight → int32 [in·bits/32, out], each output
 * column's `in` codes packed along the input dimension.
 */
export function packQweight(codes: Int32Array, out: number, inputs: number, bits: number): Int32Array {
  const rows = (inputs * bits) / 32;
  const qweight = new Int32Array(rows * out);
  for (let o = 0; o < out; o++) {
    const words = packInt32(codes.subarray(o * inputs, (o + 1) * inputs), bits);
    for (let r = 0; r < rows; r++) qweight[r * out + o] = words[r];
  }
  return qweight;
}

/** Inverse of {@link packQweight}: unsigned codes, row-major [out, in]. */
export function unpackQweight(qweight: Int32Array, out: number, inputs: number, bits: number): Int32Array {
  const rows = (inputs * bits) / 32;
  const codes = new Int32Array(out * inputs);
  const words = new Int32Array(rows);
  for (let o = 0; o < out; o++) {
    for (let r = 0; r < rows; r++) words[r] = qweight[r * out + o];
    codes.set(unpackInt32(words, bits, inputs), o * inputs);
  }
  return codes;
}

/** qzeros: unsigned values [groups, out] → int32 [groups, out·bits/32], packed along the output dimension. */
export function packQzeros(zeros: Int32Array, groups: number, out: number, bits: number): Int32Array {
  const words = (out * bits) / 32;
  const qzeros = new Int32Array(groups * words);
  for (let g = 0; g < groups; g++)
    qzeros.set(packInt32(zeros.subarray(g * out, (g + 1) * out), bits), g * words);
  return qzeros;
}

/** Inverse of {@link packQzeros}: [groups, out]. */
export function unpackQzeros(qzeros: Int32Array, groups: number, out: number, bits: number): Int32Array {
  const words = (out * bits) / 32;
  const zeros = new Int32Array(groups * out);
  for (let g = 0; g < groups; g++)
    zeros.set(unpackInt32(qzeros.subarray(g * words, (g + 1) * words), bits, out), g * out);
  return zeros;
}
