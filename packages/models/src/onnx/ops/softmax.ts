import { tf } from '@lowbit/core-tensor';
import type { KernelSpec, OpContext } from './op';

type LastAxisOp = (x: tf.Tensor) => tf.Tensor;

/** Before opset 13: flatten to 2-D at `axis` (default 1), normalize rows, restore the shape. */
function coerced(x: tf.Tensor, axis: number, op: LastAxisOp): tf.Tensor {
  const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  return tf.reshape(op(tf.reshape(x, [rows, -1])), x.shape);
}

/** From opset 13: normalize along `axis` (default −1) alone. */
function alongAxis(x: tf.Tensor, axis: number, op: LastAxisOp): tf.Tensor {
  const last = x.rank - 1;
  if (axis === last) return op(x);
  const perm = x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
  return tf.transpose(op(tf.transpose(x, perm)), perm);
}

function softmaxKernel(op: LastAxisOp): KernelSpec {
  return {
    attributes: ['axis'],
    run: (ctx: OpContext) => {
      const x = ctx.required(0);
      const legacy = ctx.opset < 13;
      const axis = ctx.node.attributes.int('axis', legacy ? 1 : -1);
      const positive = axis < 0 ? axis + x.rank : axis;
      return legacy ? coerced(x, positive, op) : alongAxis(x, positive, op);
    },
  };
}

export const SOFTMAX = softmaxKernel((x) => tf.softmax(x));
export const LOG_SOFTMAX = softmaxKernel((x) => tf.logSoftmax(x));
