import { tf } from '@lowbit/core-tensor';
import type { KernelSpec, OpContext } from './op';

/** Add and Mul with numpy broadcasting (opset ≥ 7; the legacy broadcast/axis attributes are rejected). */
export const ADD: KernelSpec = { attributes: [], run: (ctx) => tf.add(ctx.required(0), ctx.required(1)) };
export const MUL: KernelSpec = { attributes: [], run: (ctx) => tf.mul(ctx.required(0), ctx.required(1)) };

export const RELU: KernelSpec = { attributes: [], run: (ctx) => tf.relu(ctx.required(0)) };

/** Clip bounds: attributes before opset 11, optional scalar inputs from then on. */
function clipBounds(ctx: OpContext): [tf.Tensor | number | undefined, tf.Tensor | number | undefined] {
  if (ctx.opset < 11) {
    const a = ctx.node.attributes;
    return [a.has('min') ? a.float('min', 0) : undefined, a.has('max') ? a.float('max', 0) : undefined];
  }
  return [ctx.input(1), ctx.input(2)];
}

export const CLIP: KernelSpec = {
  attributes: ['min', 'max'],
  run: (ctx) => {
    const [min, max] = clipBounds(ctx);
    const low = min === undefined ? ctx.required(0) : tf.maximum(ctx.required(0), min);
    return max === undefined ? tf.clone(low) : tf.minimum(low, max);
  },
};
