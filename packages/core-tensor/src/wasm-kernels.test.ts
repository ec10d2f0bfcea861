import { describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { tf } from './tf';

type Shape4 = [number, number, number, number];
type Case = {
  label: string;
  x: Shape4;
  w: Shape4;
  strides: number;
  pad: 'same' | 'valid' | number;
  depthwise?: boolean;
};

const CASES: Case[] = [
  { label: 'conv 3×3 valid', x: [2, 9, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { label: 'conv 3×3 same, stride 2', x: [2, 10, 9, 2], w: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { label: 'conv 5×5 explicit pad 1, stride 3', x: [1, 11, 12, 2], w: [5, 5, 2, 3], strides: 3, pad: 1 },
  {
    label: 'depthwise 3×3 same, stride 2',
    x: [2, 8, 8, 3],
    w: [3, 3, 3, 2],
    strides: 2,
    pad: 'same',
    depthwise: true,
  },
];

/** Gradients of Σ conv(x, w)·r with respect to x and w on the current backend. */
function gradients(c: Case, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal(c.w, 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
      c.depthwise ? tf.depthwiseConv2d(a, b, c.strides, c.pad as 'same') : tf.conv2d(a, b, c.strides, c.pad);
    const probe = tf.randomNormal(conv(x, w).shape, 0, 1, 'float32', seed + 2);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), probe));
    return tf
      .grads(f)([x, w])
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe('gradient kernels added to the wasm backend', () => {
  it.each(CASES)('$label: wasm gradients equal the cpu backend', async (c) => {
    await initBackend({ backend: 'cpu' });
    const [dxCpu, dwCpu] = gradients(c, 11);
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    const [dxWasm, dwWasm] = gradients(c, 11);
    expect(tf.memory().numTensors).toBe(before);
    for (const [a, b] of [
      [dxWasm, dxCpu],
      [dwWasm, dwCpu],
    ]) {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 3);
    }
  });
});
