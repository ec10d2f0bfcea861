import { chooseQParams, QuantizedTensor, tf } from '@lowbit/core-tensor';
import { type HqqConfigInput, hqqConfig } from './config';
import { hqqQuantArgs } from './hqq-args';
import { optimizeZeroPoint } from './hqq-math';
import { type HqqResult, relativeError } from './hqq-result';
import { validateWeight } from './validate-weight';
import { createZeroPointProblem, disposeZeroPointProblem } from './zero-point-problem';

/**
 * HQQ quantization of one [out, in] weight: min/max scales and real zero points per group, then
 * (with `optimize`) the proximal solver on the zero points. The weight itself is not disposed.
 */
export function hqqQuantizeTensor(
  weight: tf.Tensor2D,
  config: HqqConfigInput = {},
  name = 'weight',
): HqqResult {
  const resolved = hqqConfig(config);
  validateWeight(weight, resolved, name);
  const args = hqqQuantArgs(resolved);
  const start = chooseQParams(weight, args, name);
  const problem = createZeroPointProblem(weight, start.scale, args);
  const startZero = problem.grouped(start.zeroPoint);
  const solution = optimizeZeroPoint(problem, startZero, {
    ...resolved,
    iterations: resolved.optimize ? resolved.iterations : 0,
  });
  const zeroPoint = problem.ungrouped(solution.zero);
  const quantized = QuantizedTensor.fromTensor(weight, args, { scale: start.scale, zeroPoint }, name);
  tf.dispose([start.scale, start.zeroPoint, startZero, solution.zero, zeroPoint]);
  disposeZeroPointProblem(problem);
  const reconstruction = quantized.dequantize();
  const error = relativeError(weight, reconstruction);
  reconstruction.dispose();
  return {
    name,
    shape: [weight.shape[0], weight.shape[1]],
    quantized,
    relativeError: error,
    meanAbsErrorBefore: solution.errorBefore,
    meanAbsErrorAfter: solution.errorAfter,
    iterations: solution.iterations,
    sizeBytes: quantized.sizeBytes(),
  };
}
