import { tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import { type KernelSpec, type OpContext, unsupported } from './op';

function check(node: OnnxNode): void {
  const a = node.attributes;
  if (a.int('spatial', 1) !== 1) throw unsupported(node, 'spatial = 0');
  if (a.int('training_mode', 0) !== 0) throw unsupported(node, 'training_mode = 1');
}

/** Inference form: (x − mean) / sqrt(var + ε) · scale + B, per channel (axis 1). */
function run(ctx: OpContext): tf.Tensor {
  const x = ctx.required(0);
  const channelShape: number[] = [x.shape[1] as number, ...Array<number>(x.rank - 2).fill(1)];
  const param = (i: number) => tf.reshape(ctx.required(i), channelShape);
  const epsilon = ctx.node.attributes.float('epsilon', 1e-5);
  const scale = tf.mul(param(1), tf.rsqrt(tf.add(param(4), epsilon)));
  const shift = tf.sub(param(2), tf.mul(param(3), scale));
  return tf.add(tf.mul(x, scale), shift);
}

export const BATCH_NORMALIZATION: KernelSpec = {
  attributes: ['epsilon', 'momentum', 'spatial', 'training_mode', 'is_test'],
  check,
  run,
};
