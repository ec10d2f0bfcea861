import { tf } from '@lowbit/core-tensor';
import type { LayerOperator } from './layer-operator';
import { inverseRectifiedSigmoid } from './rectified-sigmoid';
import type { WeightGrid } from './weight-grid';

/**
 * AdaRound's soft-rounded weight in the op's layout, W̃ = s·(clip(⌊W/s⌋ + h + z, qmin, qmax) − z),
 * written as W̃ = base + rise·h: because ⌊W/s⌋ + z is an integer and h ∈ [0, 1], the clip is linear
 * in h with base = s·(clip(⌊W/s⌋ + z) − z) and rise = s·(clip(⌊W/s⌋ + z + 1) − clip(⌊W/s⌋ + z)),
 * which is s inside the code range and 0 where the code saturates.
 */
export interface SoftRounding {
  readonly base: tf.Tensor;
  readonly rise: tf.Tensor;
  /** ⌊W/s⌋ + z, unclipped, for hardening. */
  readonly floorCodes: tf.Tensor;
  /** The rounding variables, initialised so that h(V) is the fractional part of W/s. */
  readonly v: tf.Variable;
}

export function softRounding(weight: tf.Tensor, grid: WeightGrid, op: LayerOperator): SoftRounding {
  const { base, rise, floorCodes, v0 } = tf.tidy(() => {
    const scaled = tf.div(weight, grid.scale);
    const down = tf.floor(scaled);
    const codes = tf.add(down, grid.zeroPoint);
    const low = tf.clipByValue(codes, grid.min, grid.max);
    const high = tf.clipByValue(tf.add(codes, 1), grid.min, grid.max);
    return {
      base: op.toOp(tf.mul(tf.sub(low, grid.zeroPoint), grid.scale)),
      rise: op.toOp(tf.mul(tf.sub(high, low), grid.scale)),
      floorCodes: op.toOp(codes),
      v0: op.toOp(inverseRectifiedSigmoid(tf.sub(scaled, down))),
    };
  });
  const v = tf.variable(v0, false, undefined, 'float32');
  v0.dispose();
  return { base, rise, floorCodes, v };
}

/** W̃ = base + rise·h. */
export function softWeight(rounding: SoftRounding, h: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(rounding.base, tf.mul(rounding.rise, h)));
}

/** Hard codes in the op's layout: ⌊W/s⌋ + z + 1 where V ≥ 0 (h(V) ≥ ½), clipped to the code range; int32. */
export function hardCodes(rounding: SoftRounding, grid: WeightGrid): tf.Tensor {
  return tf.tidy(() => {
    const up = tf.cast(tf.greaterEqual(rounding.v, 0), 'float32');
    return tf.cast(tf.clipByValue(tf.add(rounding.floorCodes, up), grid.min, grid.max), 'int32');
  });
}

export function disposeRounding(rounding: SoftRounding): void {
  tf.dispose([rounding.base, rounding.rise, rounding.floorCodes, rounding.v]);
}
