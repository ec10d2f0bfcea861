// GPTQ's column loop (Frantar et al. 2022, Algorithm 1): quantize one column at a time, spread its
// error over the columns not yet quantized through the rows of Hinv, in blocks with lazy updates.
import { denseEngine } from '@lowbit/core-tensor';
import { columnSlice, type ParamTable } from './param-table';

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

/** Columns quantized one at a time before their errors update the rest of their block as one product. */
const INNER_BLOCK = 16;

/** Hinv[rowStart:rowEnd, colStart:colEnd] as a dense panel. */
function hinvPanel(
  job: ColumnJob,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
): Float32Array {
  const width = colEnd - colStart;
  const panel = new Float32Array((rowEnd - rowStart) * width);
  for (let i = rowStart; i < rowEnd; i++) {
    const row = i * job.columns;
    panel.set(job.hinv.subarray(row + colStart, row + colEnd), (i - rowStart) * width);
  }
  return panel;
}

/** M[:, offset:] −= E · P on the dense engine, for M [rows, columns], E [rows, k], P [k, columns − offset]. */
function subtractProduct(
  m: Float32Array,
  columns: number,
  offset: number,
  e: Float32Array,
  p: Float32Array,
  rows: number,
  k: number,
): void {
  const rest = columns - offset;
  const product = denseEngine().matMul(e, p, { m: rows, k, n: rest });
  for (let r = 0; r < rows; r++) {
    const row = r * columns + offset;
    for (let j = 0; j < rest; j++) m[row + j] -= product[r * rest + j];
  }
}

/**
 * Quantizes columns [start, end) of one block: each quantized column's scaled error
 * err = (w − q) / Hinv[c, c] updates the block's later columns by −err · Hinv[c, later], one
 * column at a time inside runs of INNER_BLOCK columns and as one product after each run.
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
  const segment = columnSlice(w, rows, columns, start, end);
  let squaredErrors = 0;
  for (let inner = 0; inner < width; inner += INNER_BLOCK) {
    const innerEnd = Math.min(inner + INNER_BLOCK, width);
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      for (let i = inner; i < innerEnd; i++) {
        const c = start + i;
        const param = r * table.groups + table.groupOf[c];
        const scale = table.scale[param];
        const zero = table.zero[param];
        const value = segment[base + i];
        const code = codeOf(value, scale, zero, range);
        const error = (value - Math.fround((code - zero) * scale)) / hinv[c * columns + c];
        codes[r * columns + c] = code;
        errors[base + i] = error;
        squaredErrors += error * error;
        const hinvRow = c * columns + start;
        for (let j = i + 1; j < innerEnd; j++) segment[base + j] -= error * hinv[hinvRow + j];
      }
    }
    if (innerEnd < width) {
      const runErrors = columnSlice(errors, rows, width, inner, innerEnd);
      const panel = hinvPanel(job, start + inner, start + innerEnd, start + innerEnd, end);
      subtractProduct(segment, width, innerEnd, runErrors, panel, rows, innerEnd - inner);
    }
  }
  return squaredErrors;
}

/** The lazy batch update W[:, end:] −= Err · Hinv[start:end, end:], as one dense-engine product. */
function updateLaterColumns(job: ColumnJob, start: number, end: number, errors: Float32Array): void {
  const panel = hinvPanel(job, start, end, end, job.columns);
  subtractProduct(job.w, job.columns, end, errors, panel, job.rows, end - start);
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
