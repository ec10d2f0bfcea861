import { tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import { unsupported } from './op';

/** Spatial padding of a 2-D window op: [top, left, bottom, right] (ONNX pads order). */
export type Pads = [number, number, number, number];

export interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
}

export function toNhwc(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
}

export function toNchw(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
}

export function pair(node: OnnxNode, values: number[], what: string): [number, number] {
  if (values.length !== 2) throw unsupported(node, `${what} [${values}] (only 2-D windows)`);
  return [values[0], values[1]];
}

/** The window attributes shared by Conv and the pools (kernel from kernel_shape or the weight). */
export function windowOf(node: OnnxNode, kernel: number[]): Window {
  const a = node.attributes;
  return {
    kernel: pair(node, a.ints('kernel_shape', kernel), 'kernel_shape'),
    strides: pair(node, a.ints('strides', [1, 1]), 'strides'),
    dilations: pair(node, a.ints('dilations', [1, 1]), 'dilations'),
  };
}

function samePads(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  upper: boolean,
): [number, number] {
  const extent = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + extent - size, 0);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

/** Explicit pads from `pads` or `auto_pad` for an input of spatial size [h, w]. */
export function resolvePads(node: OnnxNode, [h, w]: number[], window: Window): Pads {
  const autoPad = node.attributes.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const upper = autoPad === 'SAME_UPPER';
    const [top, bottom] = samePads(h, window.kernel[0], window.strides[0], window.dilations[0], upper);
    const [left, right] = samePads(w, window.kernel[1], window.strides[1], window.dilations[1], upper);
    return [top, left, bottom, right];
  }
  if (autoPad !== 'NOTSET') throw unsupported(node, `auto_pad "${autoPad}"`);
  const pads = node.attributes.ints('pads', [0, 0, 0, 0]);
  if (pads.length !== 4) throw unsupported(node, `pads [${pads}] (only 2-D windows)`);
  return pads as Pads;
}

/** Pads the spatial dims of an NHWC tensor with `value` (no copy when there is nothing to pad). */
export function padNhwc(x: tf.Tensor4D, [top, left, bottom, right]: Pads, value: number): tf.Tensor4D {
  if (top === 0 && left === 0 && bottom === 0 && right === 0) return x;
  return tf.pad(
    x,
    [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    value,
  );
}
