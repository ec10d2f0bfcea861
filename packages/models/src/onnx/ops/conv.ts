import { tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import { padNhwc, resolvePads, toNchw, toNhwc, type Window, windowOf } from './layout';
import { type KernelSpec, type OpContext, unsupported } from './op';

type Conv = (x: tf.Tensor4D, w: tf.Tensor, window: Window) => tf.Tensor4D;

/** group = 1: OIHW → HWIO. */
const denseConv: Conv = (x, w, { strides, dilations }) =>
  tf.conv2d(x, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, strides, 'valid', 'NHWC', dilations);

/** group = C_in: weight [C·m, 1, kh, kw] → [kh, kw, C, m]; output channel c·m + j as in ONNX. */
const depthwiseConv: Conv = (x, w, { strides, dilations }) => {
  const [outChannels, , kh, kw] = w.shape;
  const channels = x.shape[3];
  const filter = tf.transpose(tf.reshape(w, [channels, outChannels / channels, kh, kw]), [2, 3, 0, 1]);
  return tf.depthwiseConv2d(x, filter as tf.Tensor4D, strides, 'valid', 'NHWC', dilations);
};

/** 1 < group < C_in: one dense convolution per group of channels. */
function groupedConv(groups: number): Conv {
  return (x, w, window) => {
    const xs = tf.split(x, groups, 3);
    const ws = tf.split(w, groups, 0);
    return tf.concat(
      xs.map((xg, g) => denseConv(xg as tf.Tensor4D, ws[g], window)),
      3,
    );
  };
}

function convFor(groups: number, inChannels: number): Conv {
  if (groups === 1) return denseConv;
  return groups === inChannels ? depthwiseConv : groupedConv(groups);
}

function check(node: OnnxNode): void {
  const { strides, dilations } = windowOf(node, [1, 1]);
  if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) {
    throw unsupported(node, `strides [${strides}] together with dilations [${dilations}]`);
  }
}

/** The node's convolution of x (NCHW) with w (OIHW), without bias, as NHWC. */
function convolveNhwc(node: OnnxNode, x: tf.Tensor, w: tf.Tensor): tf.Tensor4D {
  if (x.rank !== 4 || w.rank !== 4) throw unsupported(node, `a ${x.rank - 2}-D convolution (only 2-D)`);
  const groups = node.attributes.int('group', 1);
  const window = windowOf(node, w.shape.slice(2));
  const pads = resolvePads(node, x.shape.slice(2), window);
  return convFor(groups, x.shape[1] as number)(padNhwc(toNhwc(x), pads, 0), w, window);
}

function run(ctx: OpContext): tf.Tensor {
  const w = ctx.required(1);
  const bias = ctx.input(2);
  const y = convolveNhwc(ctx.node, ctx.capture(ctx.required(0)), w);
  return toNchw(bias ? tf.add(y, bias) : y);
}

/** Conv: 2-D, any group (dense, depthwise, grouped), pads/auto_pad, strides, dilations. */
export const CONV: KernelSpec = {
  attributes: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  check,
  weight: (node, dims) => {
    if (dims.length !== 4) return undefined;
    const depthwise = node.attributes.int('group', 1) > 1 && dims[1] === 1;
    return {
      kind: depthwise ? 'depthwise' : 'conv2d',
      transposed: false,
      apply: (x, w) => toNchw(convolveNhwc(node, x, w)),
    };
  },
  run,
};
