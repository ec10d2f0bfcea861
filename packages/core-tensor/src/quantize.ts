import { groupLayout } from './granularity';
import { as3d, expandParams } from './group-reduce';
import type { QParams } from './qparams';
import { codeRange, type QuantArgs } from './quant-args';
import { tf } from './tf';
import { type TableValueType, type ValueTable, valueTable } from './value-types';

/** Scale and zero point broadcast against x's [outer, length, inner] view. */
function expanded(shape: number[], qp: QParams, args: QuantArgs, options: QuantizeOptions) {
  return {
    scale: expandParams(qp.scale, shape, args.granularity, options.groupIndex),
    zeroPoint: expandParams(qp.zeroPoint, shape, args.granularity, options.groupIndex),
  };
}

export interface QuantizeOptions {
  /** Group of each index along a group granularity's axis (GPTQ g_idx); default floor(j / size). */
  groupIndex?: Int32Array;
}

/** Index of the nearest table value, ties to the even code (IEEE round-half-even for minifloats). */
function nearestCode(v: tf.Tensor, table: ValueTable): tf.Tensor {
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
  const pickUpper = tf.logicalOr(tf.less(distUp, distDown), tie);
  const index = tf.where(pickUpper, upper, lower);
  return tf.reshape(tf.gather(tf.tensor1d(table.codes, 'int32'), index), v.shape);
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
    const x3 = as3d(x, groupLayout(x.shape, args.granularity));
    const { scale, zeroPoint } = expanded(x.shape, qp, args, options);
    const scaled = tf.div(x3, scale);
    if (args.type !== 'int') {
      const table = valueTable(args.type as TableValueType);
      const clipped = tf.clipByValue(scaled, -table.maxValue, table.maxValue);
      return tf.reshape(nearestCode(clipped, table), x.shape);
    }
    const { min, max } = codeRange(args);
    const unclamped =
      args.zeroPointDomain === 'float'
        ? tf.round(tf.add(scaled, zeroPoint))
        : tf.add(tf.round(scaled), zeroPoint);
    return tf.reshape(tf.cast(tf.clipByValue(unclamped, min, max), 'int32'), x.shape);
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
    const q3 = as3d(codes, groupLayout(codes.shape, args.granularity));
    const { scale, zeroPoint } = expanded(codes.shape, qp, args, options);
    const values =
      args.type === 'int'
        ? tf.sub(tf.cast(q3, 'float32'), zeroPoint)
        : tf.gather(tf.tensor1d(valueTable(args.type as TableValueType).decode), tf.cast(q3, 'int32'));
    return tf.reshape(tf.mul(values, scale), codes.shape);
  });
}
