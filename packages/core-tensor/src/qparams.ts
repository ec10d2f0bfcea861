import { reduceGroups } from './group-reduce';
import { codeRange, type QuantArgs } from './quant-args';
import { tf } from './tf';
import { assertFinite } from './validate';
import { valueTable } from './value-types';

/** Scale and zero point, both float32 tensors in the granularity's paramShape. */
export type QParams = {
  scale: tf.Tensor;
  /** Integer-valued for zeroPointDomain 'int'; real for 'float'; 0 for table types. */
  zeroPoint: tf.Tensor;
};

export function disposeQParams(qp: QParams): void {
  tf.dispose([qp.scale, qp.zeroPoint]);
}

function toPow2(scale: tf.Tensor): tf.Tensor {
  return tf.pow(2, tf.ceil(tf.div(tf.log(scale), Math.LN2)));
}

function finishScale(scale: tf.Tensor, args: QuantArgs): tf.Tensor {
  const floored = tf.maximum(scale, args.eps);
  return args.scaleType === 'pow2' ? toPow2(floored) : floored;
}

/** Non-uniform types: the block absmax maps onto the table's largest value. */
function tableQParams(min: tf.Tensor, max: tf.Tensor, args: QuantArgs): QParams {
  const table = valueTable(args.type as Exclude<QuantArgs['type'], 'int'>);
  const absmax = tf.maximum(tf.abs(min), tf.abs(max));
  const scale = finishScale(tf.div(absmax, table.maxValue), args);
  return { scale, zeroPoint: tf.zerosLike(scale) };
}

/** PyTorch's per_channel_affine_float_qparams (and HQQ): no zero-inclusion, real zero point. */
function floatZeroPointQParams(min: tf.Tensor, max: tf.Tensor, args: QuantArgs): QParams {
  const { min: qmin, max: qmax } = codeRange(args);
  const raw = tf.div(tf.sub(max, min), qmax - qmin);
  const scale = finishScale(tf.where(tf.greater(raw, args.eps), raw, tf.onesLike(raw)), args);
  return { scale, zeroPoint: tf.sub(qmin, tf.div(min, scale)) };
}

/** torch.ao's `_calculate_qparams`: the range always includes zero; integer zero point. */
function intQParams(min: tf.Tensor, max: tf.Tensor, args: QuantArgs): QParams {
  const { min: qmin, max: qmax } = codeRange(args);
  const minNeg = tf.minimum(min, 0);
  const maxPos = tf.maximum(max, 0);
  if (args.symmetric) {
    const amax = tf.maximum(tf.neg(minNeg), maxPos);
    const scale = finishScale(tf.div(amax, (qmax - qmin) / 2), args);
    // Signed codes centre on 0. Unsigned codes centre on 2^(bits-1): PyTorch's 128 for quint8
    // (kept even with reduce_range, as torch does) and GPTQ's (maxq+1)/2 at any width.
    const zero = args.signed ? 0 : 2 ** (args.bits - 1);
    return { scale, zeroPoint: tf.fill(scale.shape, zero) };
  }
  const scale = finishScale(tf.div(tf.sub(maxPos, minNeg), qmax - qmin), args);
  const zeroPoint = tf.clipByValue(tf.sub(qmin, tf.round(tf.div(minNeg, scale))), qmin, qmax);
  return { scale, zeroPoint };
}

/**
 * Quantization parameters from an observed range; `min`/`max` are in the granularity's paramShape.
 * `args.clipRatio` shrinks the range first.
 */
export function qparamsFromRange(min: tf.Tensor, max: tf.Tensor, args: QuantArgs): QParams {
  return tf.tidy(() => {
    const lo = args.clipRatio === 1 ? min : tf.mul(min, args.clipRatio);
    const hi = args.clipRatio === 1 ? max : tf.mul(max, args.clipRatio);
    if (args.type !== 'int') return tableQParams(lo, hi, args);
    if (args.zeroPointDomain === 'float') return floatZeroPointQParams(lo, hi, args);
    return intQParams(lo, hi, args);
  });
}

/** Min/max qparams of x for `args` (its granularity decides the grouping). */
export function chooseQParams(x: tf.Tensor, args: QuantArgs, name = 'tensor'): QParams {
  assertFinite(x, name);
  return tf.tidy(() => {
    const min = reduceGroups(x, args.granularity, 'min');
    const max = reduceGroups(x, args.granularity, 'max');
    return qparamsFromRange(min, max, args);
  });
}
