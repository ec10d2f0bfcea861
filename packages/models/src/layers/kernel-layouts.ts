import { type TargetKind, tf } from '@lowbit/core-tensor';

/** How a tfjs layer's kernel maps to a lowbit target layout and back. */
export interface KernelLayout {
  readonly kind: TargetKind;
  /** The kernel variable's name suffix. */
  readonly variable: string;
  toTarget(kernel: tf.Tensor): tf.Tensor;
  fromTarget(weight: tf.Tensor, kernelShape: readonly number[]): tf.Tensor;
}

/** Dense: [in, out] ↔ linear [out, in]. */
const DENSE: KernelLayout = {
  kind: 'linear',
  variable: 'kernel',
  toTarget: (kernel) => tf.transpose(kernel),
  fromTarget: (weight) => tf.transpose(weight),
};

/** Conv2D: [kh, kw, in, out] ↔ conv2d [out, in, kh, kw]. */
const CONV2D: KernelLayout = {
  kind: 'conv2d',
  variable: 'kernel',
  toTarget: (kernel) => tf.transpose(kernel, [3, 2, 0, 1]),
  fromTarget: (weight) => tf.transpose(weight, [2, 3, 1, 0]),
};

/** DepthwiseConv2D: [kh, kw, in, mult] ↔ depthwise [in·mult, 1, kh, kw] (output channel c·mult + m). */
const DEPTHWISE: KernelLayout = {
  kind: 'depthwise',
  variable: 'depthwise_kernel',
  toTarget: (kernel) => {
    const [kh, kw, channels, multiplier] = kernel.shape;
    return tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [channels * multiplier, 1, kh, kw]);
  },
  fromTarget: (weight, [kh, kw, channels, multiplier]) =>
    tf.transpose(tf.reshape(weight, [channels, multiplier, kh, kw]), [2, 3, 0, 1]),
};

const LAYOUTS: ReadonlyMap<string, KernelLayout> = new Map([
  ['Dense', DENSE],
  ['Conv2D', CONV2D],
  ['DepthwiseConv2D', DEPTHWISE],
]);

/** The kernel layout of a layer class whose kernel lowbit quantizes, if any. */
export function kernelLayoutOf(className: string): KernelLayout | undefined {
  return LAYOUTS.get(className);
}
