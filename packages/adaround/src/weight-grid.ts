import {
  codeRange,
  perChannel,
  perTensor,
  type QParams,
  type QuantArgs,
  QuantizedTensor,
  quantArgs,
  quantize,
  tf,
} from '@lowbit/core-tensor';
import type { AdaroundConfig } from './config';

/**
 * A layer's integer grid in the weight's own layout ([out, ...]): scale and zero point broadcast
 * over the weight (per channel: [out, 1, …, 1]; per tensor: []) and the code range.
 */
export interface WeightGrid {
  readonly scale: tf.Tensor;
  readonly zeroPoint: tf.Tensor;
  readonly min: number;
  readonly max: number;
}

/** The weights' quantization args: int, symmetric signed or asymmetric unsigned, per channel (axis 0) or per tensor. */
export function weightArgs(config: Pick<AdaroundConfig, 'bits' | 'symmetric' | 'granularity'>): QuantArgs {
  return quantArgs({
    bits: config.bits,
    symmetric: config.symmetric,
    granularity: config.granularity === 'channel' ? perChannel(0) : perTensor(),
  });
}

/** The weight as its 2-D [out, in·kh·kw] view, the layout its qparams and codes refer to. */
export function matrixView(weight: tf.Tensor): tf.Tensor2D {
  const [out, ...rest] = weight.shape;
  return tf.reshape(weight, [out, rest.reduce((a, b) => a * b, 1)]);
}

/** A parameter in the args' paramShape ([out] or []) reshaped to broadcast over a weight of `shape`. */
function broadcastParam(param: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (param.rank === 0) return param.clone();
  return tf.reshape(param, [shape[0], ...shape.slice(1).map(() => 1)]);
}

/** The grid of `qparams` (in the 2-D view's paramShape) for a weight of `shape`. The caller disposes it. */
export function weightGrid(qparams: QParams, args: QuantArgs, shape: readonly number[]): WeightGrid {
  const { min, max } = codeRange(args);
  return {
    scale: broadcastParam(qparams.scale, shape),
    zeroPoint: broadcastParam(qparams.zeroPoint, shape),
    min,
    max,
  };
}

export function disposeGrid(grid: WeightGrid): void {
  tf.dispose([grid.scale, grid.zeroPoint]);
}

/** (codes − z)·s in the weight's layout: the weight the codes represent. */
export function gridValues(codes: tf.Tensor, grid: WeightGrid): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(tf.cast(codes, 'float32'), grid.zeroPoint), grid.scale));
}

/** Round-to-nearest codes (core's quantize: half to even, saturating) in the weight's layout, int32. */
export function nearestCodes(weight: tf.Tensor, qparams: QParams, args: QuantArgs): tf.Tensor {
  return tf.tidy(() => tf.reshape(quantize(matrixView(weight), qparams, args), weight.shape));
}

/** Codes (any layout of the weight) and qparams as a QuantizedTensor over the 2-D [out, in·kh·kw] view. */
export function quantizedWeight(
  codes: tf.Tensor,
  weightShape: readonly number[],
  qparams: QParams,
  args: QuantArgs,
): QuantizedTensor {
  const [out, ...rest] = weightShape;
  return new QuantizedTensor({
    shape: [out, rest.reduce((a, b) => a * b, 1)],
    args,
    codes: Int32Array.from(codes.dataSync()),
    scale: Float32Array.from(qparams.scale.dataSync()),
    zeroPoint: Float32Array.from(qparams.zeroPoint.dataSync()),
  });
}
