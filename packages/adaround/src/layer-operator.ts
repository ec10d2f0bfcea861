import { tf } from '@lowbit/core-tensor';
import type { LayerApply } from './reconstruction';

/**
 * The layer's op in the layout the solver optimises in. Layers use the target's own apply and weight
 * layout, except two shapes that the solver runs faster on tfjs-wasm with the same result (checked
 * on calibration samples first):
 * - a linear layer whose apply is X·Wᵀ runs on Wᵀ [in, out] with its weight gradient as Xᵀ·dY (tfjs
 *   computes a matMul's gradient with transposed operands, 10–30× slower on wasm, and the forward
 *   would transpose W every step);
 * - a stride-1 dense convolution with no or 'same' padding runs on W as [kh, kw, in, out] with its
 *   weight gradient as one more convolution (the batch as channels, dY as the filter), about half
 *   the cost of tfjs-wasm's Conv2DBackpropFilter.
 */
export interface LayerOperator {
  readonly apply: LayerApply;
  /** A tensor in the weight's layout → the op's layout. */
  toOp(t: tf.Tensor): tf.Tensor;
  /** A tensor in the op's layout → the weight's layout. */
  fromOp(t: tf.Tensor): tf.Tensor;
}

/** X·M with the gradient in M computed as Xᵀ·dY (explicit transpose of the small batch). */
function rowsTimes(x: tf.Tensor): (m: tf.Tensor) => tf.Tensor {
  const product = (m: tf.Tensor) => ({
    value: tf.matMul(x as tf.Tensor2D, m as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor) => tf.matMul(tf.transpose(x) as tf.Tensor2D, dy as tf.Tensor2D),
  });
  return tf.customGrad(product as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    m: tf.Tensor,
  ) => tf.Tensor;
}

/**
 * The NCHW output of a stride-1 convolution of NCHW `x` (zero-padded by `pad`) with `m` [kh, kw, in, out],
 * whose gradient in m is computed as conv(xᵀ [in, H, W, N], dYᵀ [h, w, N, out]) → [in, kh, kw, out].
 */
function convolveNchw(x: tf.Tensor, pad: number): (m: tf.Tensor) => tf.Tensor {
  const padding: [number, number][] = [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ];
  const padded = (t: tf.Tensor) => (pad > 0 ? tf.pad(t, padding) : t) as tf.Tensor4D;
  const product = (m: tf.Tensor) => ({
    value: tf.tidy(() => {
      const nhwc = padded(tf.transpose(x, [0, 2, 3, 1]));
      return tf.transpose(tf.conv2d(nhwc, m as tf.Tensor4D, 1, 'valid'), [0, 3, 1, 2]);
    }),
    gradFunc: (dy: tf.Tensor) =>
      tf.tidy(() => {
        const channelsFirst = padded(tf.transpose(x, [1, 2, 3, 0]));
        const filter = tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D;
        return tf.transpose(tf.conv2d(channelsFirst, filter, 1, 'valid'), [1, 2, 0, 3]);
      }),
  });
  return tf.customGrad(product as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    m: tf.Tensor,
  ) => tf.Tensor;
}

const PROBE_ROWS = 8;

/** Whether `candidate` (on the op-layout weight) reproduces apply on a few calibration samples. */
function reproduces(
  weight: tf.Tensor,
  inputs: tf.Tensor,
  apply: LayerApply,
  candidate: LayerOperator,
): boolean {
  return tf.tidy(() => {
    const probe = tf.slice(inputs, 0, Math.min(PROBE_ROWS, inputs.shape[0]));
    const expected = apply(probe, weight);
    const actual = candidate.apply(probe, candidate.toOp(weight));
    if (actual.shape.join() !== expected.shape.join()) return false;
    const gap = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
    const size = tf.max(tf.abs(expected)).dataSync()[0];
    return gap <= 1e-5 * size + 1e-30;
  });
}

const LINEAR: LayerOperator = {
  apply: (x, m) => rowsTimes(x)(m),
  toOp: (t) => tf.transpose(t),
  fromOp: (t) => tf.transpose(t),
};

function convOperator(pad: number): LayerOperator {
  return {
    apply: (x, m) => convolveNchw(x, pad)(m),
    toOp: (t) => tf.transpose(t, [2, 3, 1, 0]),
    fromOp: (t) => tf.transpose(t, [3, 2, 0, 1]),
  };
}

/** Faster equivalents worth trying for this weight and input shape. */
function candidates(weight: tf.Tensor, inputs: tf.Tensor): LayerOperator[] {
  if (weight.rank === 2 && inputs.rank === 2) return [LINEAR];
  if (weight.rank !== 4 || inputs.rank !== 4 || weight.shape[1] !== inputs.shape[1]) return [];
  const [, , kh, kw] = weight.shape;
  return kh === kw && kh % 2 === 1 ? [convOperator(0), convOperator((kh - 1) / 2)] : [convOperator(0)];
}

const SAME: Pick<LayerOperator, 'toOp' | 'fromOp'> = {
  toOp: (t) => t.clone(),
  fromOp: (t) => t.clone(),
};

/** The fastest operator equivalent to `apply` for this weight and input (see LayerOperator). */
export function layerOperator(weight: tf.Tensor, inputs: tf.Tensor, apply: LayerApply): LayerOperator {
  const fast = candidates(weight, inputs).find((c) => reproduces(weight, inputs, apply, c));
  return fast ?? { apply, ...SAME };
}
