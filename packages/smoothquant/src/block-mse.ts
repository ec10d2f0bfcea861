import {
  type ActivationQParams,
  type Block,
  fakeQuantizePerTensor,
  type QuantArgs,
  qparamsFromRange,
  tf,
} from '@lowbit/core-tensor';
import type { ChannelRange } from './channel-range';
import { linearTargets, quantizeWeightInt8 } from './quantize-weights';

/** A block with its calibration inputs, its float outputs on them, and its linears' input ranges. */
export interface BlockCalibration {
  block: Block;
  inputs: readonly tf.Tensor[];
  references: readonly tf.Tensor[];
  ranges: ReadonlyMap<string, ChannelRange>;
  activationArgs: QuantArgs;
}

/** Static per-tensor qparams of each linear's input [min, max] once its channels are divided. */
function activationQParams(
  calibration: BlockCalibration,
  divisors: ReadonlyMap<string, Float32Array>,
): Map<string, ActivationQParams> {
  const result = new Map<string, ActivationQParams>();
  for (const [name, range] of calibration.ranges) {
    const { min, max } = range.tensorRange(divisors.get(name));
    const [scale, zeroPoint] = tf.tidy(() => {
      const qp = qparamsFromRange(tf.scalar(min), tf.scalar(max), calibration.activationArgs);
      return [qp.scale.dataSync()[0], qp.zeroPoint.dataSync()[0]];
    });
    result.set(name, { scale, zeroPoint });
  }
  return result;
}

/** The int8 per-channel reconstruction of W with input column j multiplied by s[j]. */
function smoothedInt8(weight: tf.Tensor, name: string, s?: Float32Array): tf.Tensor {
  return tf.tidy(() => quantizeWeightInt8(s ? tf.mul(weight, tf.tensor1d(s)) : weight, name).dequantize());
}

function outputMse(calibration: BlockCalibration, forward: (x: tf.Tensor) => tf.Tensor): number {
  let sum = 0;
  let count = 0;
  calibration.inputs.forEach((x, i) => {
    const reference = calibration.references[i];
    sum += tf.tidy(() => tf.sum(tf.squaredDifference(forward(x), reference)).dataSync()[0]);
    count += reference.size;
  });
  return sum / count;
}

/**
 * Mean squared error between the block's float outputs and its outputs under simulated W8A8
 * (int8 per-channel weights, static int8 per-tensor activations with min/max ranges) when the
 * input channels of each linear in `divisors` are smoothed by its scales, as if folded. A linear
 * smoothing layer's rows are left undivided: symmetric per-row int8 is scale-equivariant, so that
 * changes nothing but rounding. The block's weights are restored afterwards.
 */
export function w8a8BlockMse(
  calibration: BlockCalibration,
  divisors: ReadonlyMap<string, Float32Array>,
): number {
  const linears = linearTargets(calibration.block).filter((t) => calibration.ranges.has(t.name));
  const originals = linears.map((t) => t.weight());
  try {
    linears.forEach((t, i) => {
      const quantized = smoothedInt8(originals[i], t.name, divisors.get(t.name));
      t.setWeight(quantized);
      quantized.dispose();
    });
    const qparams = activationQParams(calibration, divisors);
    return outputMse(calibration, (x) =>
      calibration.block.forward(x, (target, input) => {
        const qp = qparams.get(target);
        if (!qp) return undefined;
        const s = divisors.get(target);
        return fakeQuantizePerTensor(
          s ? tf.div(input, tf.tensor1d(s)) : input,
          qp,
          calibration.activationArgs,
        );
      }),
    );
  } finally {
    linears.forEach((t, i) => {
      t.setWeight(originals[i]);
    });
    tf.dispose(originals);
  }
}
