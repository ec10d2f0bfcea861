import { fakeQuantize } from './fake-quantize';
import { reduceGroups } from './group-reduce';
import { disposeQParams, type QParams, qparamsFromRange } from './qparams';
import type { QuantArgs } from './quant-args';
import { type Tensor, tf } from './tf';

/** One static activation quantizer: x ≈ (q − zeroPoint) · scale. */
export interface ActivationQParams {
  scale: number;
  zeroPoint: number;
}

/** Per-tensor QParams as numbers; the tensors are disposed. */
export function scalarQParams(qparams: QParams): ActivationQParams {
  const result = { scale: qparams.scale.dataSync()[0], zeroPoint: qparams.zeroPoint.dataSync()[0] };
  disposeQParams(qparams);
  return result;
}

/** x fake-quantized with fixed per-tensor qparams. */
export function fakeQuantizePerTensor(x: Tensor, qparams: ActivationQParams, args: QuantArgs): Tensor {
  return tf.tidy(() =>
    fakeQuantize(x, { scale: tf.scalar(qparams.scale), zeroPoint: tf.scalar(qparams.zeroPoint) }, args),
  );
}

/** x [..., in] fake-quantized with min/max qparams of each token, i.e. each row of its [tokens, in] view. */
export function fakeQuantizePerToken(x: Tensor, args: QuantArgs): Tensor {
  return tf.tidy(() => {
    const rows = tf.reshape(x, [-1, x.shape[x.rank - 1]]);
    const min = reduceGroups(rows, args.granularity, 'min');
    const max = reduceGroups(rows, args.granularity, 'max');
    return tf.reshape(fakeQuantize(rows, qparamsFromRange(min, max, args), args), x.shape);
  });
}
