import { groupView } from './group-view';
import type { QParams } from './qparams';
import { codeRange, type QuantArgs } from './quant-args';
import { tf } from './tf';
import { type TableValueType, type ValueTable, valueTable } from './value-types';

export interface QuantizeOptions {
  /** Group of each index along a group granularity's axis (GPTQ g_idx); default floor(j / size). */
  groupIndex?: Int32Array;
}

/** Tables up to this size are searched by counting midpoints (fast elementwise ops on every backend). */
const SMALL_TABLE = 32;

/** Position of the nearest table value in a small table, ties to the even code. */
function nearestPositionSmall(v: tf.Tensor, table: ValueTable): tf.Tensor {
  let position: tf.Tensor = tf.zerosLike(v);
  for (let k = 0; k + 1 < table.values.length; k++) {
    const midpoint = (table.values[k] + table.values[k + 1]) / 2;
    const upperWinsTie = table.codes[k + 1] % 2 === 0;
    const above = upperWinsTie ? tf.greaterEqual(v, midpoint) : tf.greater(v, midpoint);
    position = tf.add(position, tf.cast(above, 'float32'));
  }
  return tf.cast(position, 'int32');
}

/** Position of the nearest table value by binary search, ties to the even code. */
function nearestPositionSearch(v: tf.Tensor, table: ValueTable): tf.Tensor {
  const n = table.values.length;
  const values = tf.tensor1d(table.values);
  const codeIsEven = tf.tensor1d(
    table.codes.map((c) => (c % 2 === 0 ? 1 : 0)),
    'bool',
  );
  const flat = tf.reshape(v, [-1]);
  // Index clamping happens in float32: some wasm kernels do not take int32 input.
  const position = tf.cast(tf.searchSorted(values, flat, 'left'), 'float32');
  const upper = tf.cast(tf.clipByValue(position, 1, n - 1), 'int32');
  const lower = tf.cast(tf.clipByValue(tf.sub(position, 1), 0, n - 2), 'int32');
  const distUp = tf.sub(tf.gather(values, upper), flat);
  const distDown = tf.sub(flat, tf.gather(values, lower));
  const tie = tf.logicalAnd(tf.equal(distUp, distDown), tf.gather(codeIsEven, upper));
  return tf.reshape(tf.where(tf.logicalOr(tf.less(distUp, distDown), tie), upper, lower), v.shape);
}

/** Code of the nearest table value, ties to the even code (IEEE round-half-even for minifloats). */
function nearestCode(v: tf.Tensor, table: ValueTable): tf.Tensor {
  const position =
    table.values.length <= SMALL_TABLE ? nearestPositionSmall(v, table) : nearestPositionSearch(v, table);
  return tf.gather(tf.tensor1d(table.codes, 'int32'), position);
}

/**
 * Codes of x, as an int32 tensor of x's shape. For `int` this is ONNX QuantizeLinear:
 * saturate(round_half_even(x / scale) + zeroPoint); with a float zero point (HQQ) the zero point
 * is added before rounding. Table types (NF4, FP4, FP8) pick the nearest representable value.
 */
export function quantize(
  x: tf.Tensor,
  qp: QParams,
  args: QuantArgs,
  options: QuantizeOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const view = groupView(x, args.granularity, options.groupIndex);
    const scaled = tf.div(view.x, view.params(qp.scale));
    if (args.type !== 'int') {
      const table = valueTable(args.type as TableValueType);
      return view.restore(nearestCode(tf.clipByValue(scaled, -table.maxValue, table.maxValue), table));
    }
    const { min, max } = codeRange(args);
    const zeroPoint = view.params(qp.zeroPoint);
    const unclamped =
      args.zeroPointDomain === 'float'
        ? tf.round(tf.add(scaled, zeroPoint))
        : tf.add(tf.round(scaled), zeroPoint);
    return view.restore(tf.cast(tf.clipByValue(unclamped, min, max), 'int32'));
  });
}

/** Real values of codes: (q − zeroPoint) · scale, or table[q] · scale for table types. */
export function dequantize(
  codes: tf.Tensor,
  qp: QParams,
  args: QuantArgs,
  options: QuantizeOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const view = groupView(codes, args.granularity, options.groupIndex);
    const values =
      args.type === 'int'
        ? tf.sub(tf.cast(view.x, 'float32'), view.params(qp.zeroPoint))
        : tf.gather(tf.tensor1d(valueTable(args.type as TableValueType).decode), tf.cast(view.x, 'int32'));
    return view.restore(tf.mul(values, view.params(qp.scale)));
  });
}
