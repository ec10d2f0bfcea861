// GPTQ's column loop (Frantar et al. 2022, Algorithm 1): quantize one column at a time, spread its
// error over the columns not yet quantized through the rows of Hinv, in blocks with lazy updates.
import { tf } from '@lowbit/core-tensor';
import type { ParamTable } from './param-table';

export interface ColumnJob {
  /** The weight [rows, columns] in processing order; the lazy batch updates change it in place. */
  w: Float32Array;
  /** Upper Cholesky factor of H⁻¹ [columns, columns], in processing order. */
  hinv: Float32Array;
  rows: number;
  columns: number;
  blockSize: number;
  table: ParamTable;
  /** Integer code range of the args. */
  range: { min: number; max: number };
  /** Called at the start of each block, before its columns are quantized (dynamic group qparams). */
  beforeBlock?: (start: number, end: number) => void;
}

export interface ColumnResult {
  /** Codes [rows, columns] in processing order. */
  codes: Int32Array;
  /** Σ (w − q)² / d² / 2 over every weight, d = Hinv[c, c] of its column. */
  loss: number;
}

/** Round half to even, as tf.round and torch.round. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Core's int quantize in float32: clamp(round(x / scale) + zero). */
function codeOf(x: number, scale: number, zero: number, range: ColumnJob['range']): number {
  const code = roundHalfEven(Math.fround(x / scale)) + zero;
  return Math.min(range.max, Math.max(range.min, code));
}

/**
 * Quantizes columns [start, end) row by row: each quantized column's scaled error
 * err = (w − q) / Hinv[c, c] updates the block's later columns by −err · Hinv[c, later].
 * Writes the codes and the block's errors [rows, end − start]; returns Σ err².
 */
function quantizeBlock(
  job: ColumnJob,
  start: number,
  end: number,
  codes: Int32Array,
  errors: Float32Array,
): number {
  const { w, hinv, rows, columns, table, range } = job;
  const width = end - start;
  const segment = new Float32Array(width);
  let squaredErrors = 0;
  for (let r = 0; r < rows; r++) {
    segment.set(w.subarray(r * columns + start, r * columns + end));
    for (let i = 0; i < width; i++) {
      const c = start + i;
      const param = r * table.groups + table.groupOf[c];
      const [scale, zero] = [table.scale[param], table.zero[param]];
      const code = codeOf(segment[i], scale, zero, range);
      const error = (segment[i] - Math.fround((code - zero) * scale)) / hinv[c * columns + c];
      codes[r * columns + c] = code;
      errors[r * width + i] = error;
      squaredErrors += error * error;
      const hinvRow = c * columns + start;
      for (let j = i + 1; j < width; j++) segment[j] -= error * hinv[hinvRow + j];
    }
  }
  return squaredErrors;
}

/** The lazy batch update W[:, end:] −= Err · Hinv[start:end, end:], as one tf.matMul. */
function updateLaterColumns(job: ColumnJob, start: number, end: number, errors: Float32Array): void {
  const { w, hinv, rows, columns } = job;
  const [width, rest] = [end - start, columns - end];
  const panel = new Float32Array(width * rest);
  for (let i = 0; i < width; i++) {
    const row = (start + i) * columns;
    panel.set(hinv.subarray(row + end, row + columns), i * rest);
  }
  // Read outside tf.tidy: tidy walks a returned typed array element by element.
  const productTensor = tf.tidy(() =>
    tf.matMul(tf.tensor2d(errors, [rows, width]), tf.tensor2d(panel, [width, rest])),
  );
  const product = productTensor.dataSync();
  productTensor.dispose();
  for (let r = 0; r < rows; r++) {
    const row = r * columns + end;
    for (let j = 0; j < rest; j++) w[row + j] -= product[r * rest + j];
  }
}

export function quantizeColumns(job: ColumnJob): ColumnResult {
  const { rows, columns, blockSize } = job;
  const codes = new Int32Array(rows * columns);
  let squaredErrors = 0;
  for (let start = 0; start < columns; start += blockSize) {
    const end = Math.min(start + blockSize, columns);
    job.beforeBlock?.(start, end);
    const errors = new Float32Array(rows * (end - start));
    squaredErrors += quantizeBlock(job, start, end, codes, errors);
    if (end < columns) updateLaterColumns(job, start, end, errors);
  }
  return { codes, loss: squaredErrors / 2 };
}
