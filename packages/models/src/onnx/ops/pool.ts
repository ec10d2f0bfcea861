import { tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import { type Pads, padNhwc, resolvePads, toNchw, toNhwc, windowOf } from './layout';
import { type KernelSpec, type OpContext, unsupported } from './op';

interface PoolGeometry {
  kernel: [number, number];
  strides: [number, number];
  /** pads / auto_pad. */
  pads: Pads;
  /** Extra bottom/right padding so that ceil_mode's partial last windows exist. */
  ceilPads: Pads;
}

/** Output size as onnxruntime computes it; with ceil_mode the last window must start inside the input or left pad. */
function ceilExtra(size: number, kernel: number, stride: number, padBegin: number, padEnd: number): number {
  const span = size + padBegin + padEnd - kernel;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= size + padBegin) out--;
  return Math.max((out - 1) * stride + kernel - (size + padBegin + padEnd), 0);
}

function check(node: OnnxNode): void {
  if (!node.attributes.has('kernel_shape')) throw unsupported(node, 'a pool without kernel_shape');
  const { dilations } = windowOf(node, []);
  if (dilations.some((d) => d !== 1)) throw unsupported(node, `dilations [${dilations}]`);
}

function geometry(node: OnnxNode, x: tf.Tensor): PoolGeometry {
  if (x.rank !== 4) throw unsupported(node, `a ${x.rank - 2}-D pool (only 2-D)`);
  const window = windowOf(node, []);
  const [h, w] = x.shape.slice(2);
  const pads = resolvePads(node, [h, w], window);
  const { kernel, strides } = window;
  const ceilMode = node.attributes.int('ceil_mode', 0) === 1;
  const bottom = ceilMode ? ceilExtra(h, kernel[0], strides[0], pads[0], pads[2]) : 0;
  const right = ceilMode ? ceilExtra(w, kernel[1], strides[1], pads[1], pads[3]) : 0;
  return { kernel, strides, pads, ceilPads: [0, 0, bottom, right] };
}

function runMaxPool(ctx: OpContext): tf.Tensor {
  const x = ctx.required(0);
  const { kernel, strides, pads, ceilPads } = geometry(ctx.node, x);
  const padded = padNhwc(padNhwc(toNhwc(x), pads, -Infinity), ceilPads, -Infinity);
  return toNchw(tf.maxPool(padded, kernel, strides, 'valid'));
}

/**
 * Average over the window's positions that count: the input, plus the explicit pads when
 * count_include_pad = 1, never ceil_mode's extra positions (as onnxruntime). Computed as
 * avgPool(zero-padded x) / avgPool(mask of counted positions).
 */
function runAveragePool(ctx: OpContext): tf.Tensor {
  const x = ctx.required(0);
  const { kernel, strides, pads, ceilPads } = geometry(ctx.node, x);
  const sum = tf.avgPool(padNhwc(padNhwc(toNhwc(x), pads, 0), ceilPads, 0), kernel, strides, 'valid');
  if (pads.every((p) => p === 0) && ceilPads.every((p) => p === 0)) return toNchw(sum);
  const includePad = ctx.node.attributes.int('count_include_pad', 0) === 1;
  const [h, w] = x.shape.slice(2);
  const mask = padNhwc(padNhwc(tf.ones([1, h, w, 1]), pads, includePad ? 1 : 0), ceilPads, 0);
  return toNchw(tf.div(sum, tf.avgPool(mask, kernel, strides, 'valid')));
}

const WINDOW_ATTRIBUTES = ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides'];

/** MaxPool (2-D, single output: no Indices). */
export const MAX_POOL: KernelSpec = {
  attributes: [...WINDOW_ATTRIBUTES, 'storage_order'],
  check,
  run: runMaxPool,
};

export const AVERAGE_POOL: KernelSpec = {
  attributes: [...WINDOW_ATTRIBUTES, 'count_include_pad'],
  check,
  run: runAveragePool,
};

/** Mean over every spatial dim, kept as size 1. */
export const GLOBAL_AVERAGE_POOL: KernelSpec = {
  attributes: [],
  run: (ctx) => {
    const x = ctx.required(0);
    const spatial = Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
    return tf.mean(x, spatial, true);
  },
};
