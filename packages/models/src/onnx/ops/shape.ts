import { tf } from '@lowbit/core-tensor';
import type { KernelSpec, OpContext } from './op';

/** Flatten: [prod(dims before axis), prod(dims from axis)]. */
export const FLATTEN: KernelSpec = {
  attributes: ['axis'],
  run: (ctx) => {
    const x = ctx.required(0);
    const axis = ctx.node.attributes.int('axis', 1);
    const split = axis < 0 ? axis + x.rank : axis;
    const rows = x.shape.slice(0, split).reduce((a, b) => a * b, 1);
    return tf.reshape(x, [rows, -1]);
  },
};

/** Reshape to a constant shape: 0 copies the input dim (unless allowzero = 1), −1 is inferred. */
function runReshape(ctx: OpContext): tf.Tensor {
  const x = ctx.required(0);
  const shape = Array.from(ctx.constant(1).data);
  const allowZero = ctx.node.attributes.int('allowzero', 0) === 1;
  return tf.reshape(
    x,
    shape.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d)),
  );
}

export const RESHAPE: KernelSpec = { attributes: ['allowzero'], constantInputs: [1], run: runReshape };
