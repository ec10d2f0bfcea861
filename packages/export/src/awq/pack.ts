// AutoAWQ's GEMM packing: eight 4-bit values per int32 along the output dimension, interleaved.

/** The column (within its group of eight) held by nibble i of a word: AutoAWQ's order_map. */
export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];
/** The nibble holding column c (within its eight): the inverse of {@link AWQ_ORDER}. */
export const AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7];

/** Unsigned 4-bit values, row-major [rows, cols] → int32 [rows, cols/8], nibble i = column 8j + AWQ_ORDER[i]. */
export function packAwq(values: Int32Array, rows: number, cols: number): Int32Array {
  const words = cols / 8;
  const packed = new Int32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < words; j++) {
      let word = 0;
      for (let i = 0; i < 8; i++) word |= values[r * cols + 8 * j + AWQ_ORDER[i]] << (4 * i);
      packed[r * words + j] = word;
    }
  }
  return packed;
}

/** Inverse of {@link packAwq}: row-major [rows, cols]. */
export function unpackAwq(packed: Int32Array, rows: number, cols: number): Int32Array {
  const values = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const word = packed[r * (cols / 8) + (c >> 3)];
      values[r * cols + c] = (word >>> (4 * AWQ_REVERSE_ORDER[c & 7])) & 15;
    }
  }
  return values;
}
