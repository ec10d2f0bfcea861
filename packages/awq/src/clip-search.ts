import { denseMatMul, tf } from '@lowbit/core-tensor';
import { awqQuantArgs } from './awq-args';
import { pseudoQuantize } from './awq-math';
import { type ColumnGroups, columnGroups, fromGroups, gramBlocks, toGroups } from './column-groups';
import type { AwqConfig } from './config';

/** A weight clipped by AWQ's search, and what the clipping changed. */
export interface ClipSearchResult {
  /** The clipped float weight [out, in] (the caller disposes it). */
  clipped: tf.Tensor2D;
  /** Mean and smallest chosen range over the groups, as a fraction of each group's absmax. */
  meanRatio: number;
  minRatio: number;
  /**
   * AutoAWQ's objective, unclipped and clipped: E[(Σ_{j∈g} Δ_j x_j)²] for Δ = W − Q(W), summed over
   * the groups g of a row and averaged over the rows.
   */
  mseBefore: number;
  mseAfter: number;
}

/** Per row and group, Σ over tokens of (Σ_{j∈group} Δ_j x_j)²: [out, count], from the Gram blocks [count, size, size]. */
function groupErrors(delta: tf.Tensor2D, blocks: tf.Tensor3D, groups: ColumnGroups): tf.Tensor2D {
  return tf.tidy(() => {
    const perGroup = tf.transpose(toGroups(delta, groups), [1, 0, 2]) as tf.Tensor3D; // [count, out, size]
    return tf.transpose(tf.sum(tf.mul(denseMatMul(perGroup, blocks), perGroup), 2)) as tf.Tensor2D;
  });
}

/**
 * Every group of `grouped` [out, count, size] clamped to ±maxAbs [out, count, 1], as [out, columns].
 * A plain loop: tfjs-wasm's broadcasting minimum/maximum took half of AWQ's time.
 */
function clamp(
  grouped: tf.Tensor3D,
  values: Float32Array,
  maxAbs: tf.Tensor,
  groups: ColumnGroups,
): tf.Tensor2D {
  const bounds = maxAbs.dataSync();
  const { size } = groups;
  const clamped = new Float32Array(values.length);
  for (let g = 0; g < bounds.length; g++) {
    const [bound, start] = [bounds[g], g * size];
    for (let j = start; j < start + size; j++) {
      const v = values[j];
      clamped[j] = v > bound ? bound : v < -bound ? -bound : v;
    }
  }
  return tf.tidy(() => fromGroups(tf.tensor3d(clamped, grouped.shape), groups));
}

/**
 * AWQ's clip search (AutoAWQ `_search_best_clip`): per output row and group, the range ±absmax·(1 − i/clipGrid),
 * i < maxShrink·clipGrid, whose clipped-then-quantized weight gives the smallest output error
 * ‖(W − Q(clip(W))) x‖² on the calibration inputs (`gram` = E[x xᵀ]).
 */
export function searchClip(weight: tf.Tensor2D, gram: tf.Tensor2D, config: AwqConfig): ClipSearchResult {
  const [out, columns] = weight.shape;
  const groups = columnGroups(config, columns);
  const args = awqQuantArgs(config);
  const grouped = toGroups(weight, groups);
  const values = grouped.dataSync() as Float32Array;
  const absmax = tf.tidy(() => tf.max(tf.abs(grouped), 2, true));
  const blocks = gramBlocks(gram, groups);
  const errorAt = (maxAbs: tf.Tensor) =>
    tf.tidy(() =>
      groupErrors(
        tf.sub(weight, pseudoQuantize(clamp(grouped, values, maxAbs, groups), args)),
        blocks,
        groups,
      ),
    );
  let bestError = errorAt(absmax);
  let bestRatio = tf.onesLike(absmax);
  const mseBefore = tf.tidy(() => tf.sum(bestError).dataSync()[0] / out);
  for (let i = 1; i < Math.floor(config.maxShrink * config.clipGrid); i++) {
    const ratio = 1 - i / config.clipGrid;
    const [error, ratios] = tf.tidy(() => {
      const e = errorAt(tf.mul(absmax, ratio));
      const better = tf.less(e, bestError);
      return [
        tf.where(better, e, bestError),
        tf.where(tf.expandDims(better, 2), tf.fill(bestRatio.shape, ratio), bestRatio),
      ];
    });
    tf.dispose([bestError, bestRatio]);
    [bestError, bestRatio] = [error as tf.Tensor2D, ratios];
  }
  const [meanRatio, minRatio, mseAfter] = tf.tidy(() => [
    tf.mean(bestRatio).dataSync()[0],
    tf.min(bestRatio).dataSync()[0],
    tf.sum(bestError).dataSync()[0] / out,
  ]);
  const clipped = tf.tidy(() => clamp(grouped, values, tf.mul(absmax, bestRatio), groups));
  tf.dispose([grouped, absmax, blocks, bestError, bestRatio]);
  return { clipped, meanRatio, minRatio, mseBefore, mseAfter };
}
