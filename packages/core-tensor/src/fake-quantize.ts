import { LowbitError } from './errors';
import { groupView } from './group-view';
import type { QParams } from './qparams';
import { codeRange, type QuantArgs } from './quant-args';
import { dequantize, quantize } from './quantize';
import { tf } from './tf';
import { type TableValueType, valueTable } from './value-types';

type UnaryGradFunc = (
  x: tf.Tensor,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor };

/** tf.customGrad for a one-input function (tfjs' own typing lumps inputs and `save` together). */
function unaryCustomGrad(f: UnaryGradFunc): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** 1 where x lands inside the representable range (its gradient passes), 0 where it saturates. */
function passMask(x: tf.Tensor, qp: QParams, args: QuantArgs): tf.Tensor {
  return tf.tidy(() => {
    const view = groupView(x, args.granularity);
    const zeroPoint = view.params(qp.zeroPoint);
    const scaled = tf.div(view.x, view.params(qp.scale));
    let inRange: tf.Tensor;
    if (args.type !== 'int') {
      inRange = tf.lessEqual(tf.abs(scaled), valueTable(args.type as TableValueType).maxValue);
    } else {
      const { min, max } = codeRange(args);
      const q =
        args.zeroPointDomain === 'float'
          ? tf.round(tf.add(scaled, zeroPoint))
          : tf.add(tf.round(scaled), zeroPoint);
      inRange = tf.logicalAnd(tf.greaterEqual(q, min), tf.lessEqual(q, max));
    }
    return view.restore(tf.cast(inRange, 'float32'));
  });
}

/**
 * dequantize(quantize(x)) with a straight-through gradient: dy passes unchanged where x is inside
 * the quantization range and is zeroed where it saturates (PyTorch's FakeQuantize). qparams are constants.
 */
export function fakeQuantize(x: tf.Tensor, qp: QParams, args: QuantArgs): tf.Tensor {
  const op = unaryCustomGrad((input, save) => {
    const codes = quantize(input, qp, args);
    const value = dequantize(codes, qp, args);
    codes.dispose();
    save([passMask(input, qp, args)]);
    return { value, gradFunc: (dy, saved) => tf.mul(dy, saved[0]) };
  });
  return op(x);
}

/** round() whose gradient is the identity. */
const roundSte = unaryCustomGrad((v) => ({ value: tf.round(v), gradFunc: (dy) => dy }));

/** Identity whose gradient is multiplied by `factor` (LSQ's step-size gradient scale). */
function scaleGradient(t: tf.Tensor, factor: number): tf.Tensor {
  const op = unaryCustomGrad((v) => ({ value: tf.clone(v), gradFunc: (dy) => tf.mul(dy, factor) }));
  return op(t);
}

export interface LsqOptions {
  /** Fixed zero point in paramShape (default 0: symmetric/signed LSQ). */
  zeroPoint?: tf.Tensor;
  /** Multiplier of the scale gradient; default 1/sqrt(elements per scale · q_max), as in the LSQ paper. */
  gradScale?: number;
}

/**
 * Learned Step Size Quantization (Esser et al., 2020): fake quantization that is differentiable in both
 * x (straight-through inside the range) and `scale` (∂/∂s = round(x/s) − x/s inside, q_min−z or q_max−z
 * outside), so `scale` can be a trainable tf.Variable in the granularity's paramShape.
 */
export function lsqFakeQuantize(
  x: tf.Tensor,
  scale: tf.Tensor,
  args: QuantArgs,
  options: LsqOptions = {},
): tf.Tensor {
  if (args.type !== 'int') {
    throw new LowbitError(
      'BAD_ARGS',
      `LSQ learns uniform step sizes; type "${args.type}" is not uniform. Use type "int".`,
    );
  }
  const { min, max } = codeRange(args);
  const gradScale = options.gradScale ?? 1 / Math.sqrt((x.size / Math.max(scale.size, 1)) * Math.max(max, 1));
  return tf.tidy(() => {
    const view = groupView(x, args.granularity);
    const s = view.params(scaleGradient(scale, gradScale));
    const z = options.zeroPoint ? view.params(options.zeroPoint) : tf.scalar(0);
    const q = tf.clipByValue(tf.add(roundSte(tf.div(view.x, s)), z), min, max);
    return view.restore(tf.mul(tf.sub(q, z), s));
  });
}
