import { type QuantArgs, QuantizedTensor, searchClipQParams, tf } from '@lowbit/core-tensor';
import { type RtnConfig, type RtnConfigInput, rtnConfig } from './config';
import { dequantizeDoubleQuant, doubleQuantize } from './double-quant';
import { quantizedShape, rtnQuantArgs } from './rtn-args';
import { type RtnResult, relativeError, rtnDequantize, rtnSizeBytes } from './rtn-result';
import { validateWeight } from './validate-weight';

/** Min/max qparams, or the per-group MSE clip search when the config asks for it. */
function quantizeView(view: tf.Tensor2D, args: QuantArgs, config: RtnConfig, name: string): QuantizedTensor {
  if (!config.mseSearch) return QuantizedTensor.fromTensor(view, args, undefined, name);
  const { ratio, ...qparams } = searchClipQParams(view, args, config.mseSearch, name);
  const quantized = QuantizedTensor.fromTensor(view, args, qparams, name);
  tf.dispose([ratio, qparams.scale, qparams.zeroPoint]);
  return quantized;
}

/**
 * Round-to-nearest quantization of one [out, in] weight. int: per-channel or per-group along the
 * input axis; nf4/fp4: bitsandbytes' per-block absmax over the flattened weight, optionally with
 * the block scales double-quantized. The weight itself is not disposed.
 */
export function rtnQuantizeTensor(
  weight: tf.Tensor2D,
  config: RtnConfigInput = {},
  name = 'weight',
): RtnResult {
  const resolved = rtnConfig(config);
  validateWeight(weight, resolved, name);
  const shape: [number, number] = [weight.shape[0], weight.shape[1]];
  const view = tf.reshape<tf.Rank.R2>(weight, quantizedShape(shape, resolved));
  const firstLevel = quantizeView(view, rtnQuantArgs(resolved), resolved, name);
  view.dispose();
  const doubleQuant = resolved.doubleQuant ? doubleQuantize(firstLevel.scale) : undefined;
  const quantized = doubleQuant
    ? new QuantizedTensor({ ...firstLevel.toRecord(), scale: dequantizeDoubleQuant(doubleQuant) })
    : firstLevel;
  const reconstruction = rtnDequantize({ quantized, shape });
  const error = relativeError(weight, reconstruction);
  reconstruction.dispose();
  return {
    name,
    shape,
    quantized,
    doubleQuant,
    relativeError: error,
    sizeBytes: rtnSizeBytes(quantized, doubleQuant),
  };
}
