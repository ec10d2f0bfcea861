import { chooseQParams, type QuantArgs, searchClipQParams, tf } from '@lowbit/core-tensor';

/** Scales and zero points [rows, groups] (row-major) and the group of each column in processing order. */
export interface ParamTable {
  readonly groups: number;
  readonly scale: Float32Array;
  readonly zero: Float32Array;
  /** groupOf[c]: the parameter group of the c-th column processed. */
  readonly groupOf: Int32Array;
}

export interface MatrixQParams {
  scale: Float32Array;
  zero: Float32Array;
}

/** Core's min/max qparams (or its MSE clip search) of a matrix [rows, columns], in args' paramShape. */
export function matrixQParams(
  values: Float32Array,
  shape: [number, number],
  args: QuantArgs,
  mseSearch: boolean,
  name: string,
): MatrixQParams {
  const x = tf.tensor2d(values, shape);
  const qparams = mseSearch ? searchClipQParams(x, args, {}, name) : chooseQParams(x, args, name);
  const result = {
    scale: Float32Array.from(qparams.scale.dataSync()),
    zero: Float32Array.from(qparams.zeroPoint.dataSync()),
  };
  tf.dispose([x, ...Object.values(qparams)]);
  return result;
}

/** Columns [start, end) of a row-major [rows, columns] matrix, as a new [rows, end − start] array. */
export function columnSlice(
  values: Float32Array,
  rows: number,
  columns: number,
  start: number,
  end: number,
): Float32Array {
  const width = end - start;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(values.subarray(r * columns + start, r * columns + end), r * width);
  return out;
}

/** Writes one group's per-row qparams into column `group` of the table. */
export function setGroup(table: ParamTable, group: number, params: MatrixQParams): void {
  params.scale.forEach((scale, r) => {
    table.scale[r * table.groups + group] = scale;
    table.zero[r * table.groups + group] = params.zero[r];
  });
}
