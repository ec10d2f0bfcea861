import { reduceGroups } from './group-reduce';
import { type QParams, qparamsFromRange } from './qparams';
import type { QuantArgs } from './quant-args';
import { dequantize, quantize } from './quantize';
import { tf } from './tf';
import { assertFinite } from './validate';

export interface ClipSearchOptions {
  /** Grid resolution: candidate ratios are 1, 1 − 1/grid, 1 − 2/grid, … (default 100). */
  grid?: number;
  /** Largest shrink tried: ratios go down to 1 − maxShrink (default 0.8). */
  maxShrink?: number;
  /** Error norm p in Σ|x − x̂|^p (default 2.4, as GPTQ's and INC's MSE search). */
  norm?: number;
}

/** Σ|x − dequant(quant(x))|^p per parameter group, in paramShape. */
export function groupQuantError(x: tf.Tensor, qp: QParams, args: QuantArgs, norm: number): tf.Tensor {
  return tf.tidy(() => {
    const recon = dequantize(quantize(x, qp, args), qp, args);
    return reduceGroups(tf.pow(tf.abs(tf.sub(x, recon)), norm), args.granularity, 'sum');
  });
}

/**
 * Grid search of a clip ratio per parameter group: shrinks each group's [min, max] by each ratio and
 * keeps the qparams with the smallest Lp quantization error (GPTQ's `find_params(mse=True)`,
 * Intel Neural Compressor's `enable_mse_search`). Returns the chosen qparams and ratios.
 */
export function searchClipQParams(
  x: tf.Tensor,
  args: QuantArgs,
  options: ClipSearchOptions = {},
  name = 'tensor',
): QParams & { ratio: tf.Tensor } {
  const { grid = 100, maxShrink = 0.8, norm = 2.4 } = options;
  assertFinite(x, name);
  const min = reduceGroups(x, args.granularity, 'min');
  const max = reduceGroups(x, args.granularity, 'max');
  let best: { scale: tf.Tensor; zeroPoint: tf.Tensor; ratio: tf.Tensor; error: tf.Tensor } | undefined;
  for (let i = 0; i < Math.max(1, Math.floor(maxShrink * grid)); i++) {
    const ratio = 1 - i / grid;
    const next = tf.tidy(() => {
      const qp = qparamsFromRange(tf.mul(min, ratio), tf.mul(max, ratio), args);
      const error = groupQuantError(x, qp, args, norm);
      if (!best) return { ...qp, ratio: tf.fill(error.shape, ratio), error };
      const better = tf.less(error, best.error);
      return {
        scale: tf.where(better, qp.scale, best.scale),
        zeroPoint: tf.where(better, qp.zeroPoint, best.zeroPoint),
        ratio: tf.where(better, tf.fill(error.shape, ratio), best.ratio),
        error: tf.where(better, error, best.error),
      };
    });
    if (best) tf.dispose([best.scale, best.zeroPoint, best.ratio, best.error]);
    best = next;
  }
  tf.dispose([min, max, best!.error]);
  return { scale: best!.scale, zeroPoint: best!.zeroPoint, ratio: best!.ratio };
}
