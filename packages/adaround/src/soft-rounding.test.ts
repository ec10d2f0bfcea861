import { initBackend, perChannel, quantArgs, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { layerOperator } from './layer-operator';
import { disposeRounding, hardCodes, softRounding, softWeight } from './soft-rounding';
import { conv2dApply, linearApply } from './test-support/layers';
import { randn } from './test-support/random';
import { disposeGrid, weightGrid } from './weight-grid';

describe.each(TEST_BACKENDS)('soft rounding (%s)', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('base + rise·h equals s·(clip(⌊W/s⌋ + h + z, qmin, qmax) − z), saturated codes included', () => {
    // 3-bit unsigned codes [0, 7], zero points 2 and 5, scales small enough that some codes clip.
    const args = quantArgs({ bits: 3, symmetric: false, granularity: perChannel(0) });
    const values = randn(24, 5);
    const weight = tf.tensor2d(values, [2, 12]);
    const scales = [0.25, 0.4];
    const zeroPoints = [2, 5];
    const qparams = { scale: tf.tensor1d(scales), zeroPoint: tf.tensor1d(zeroPoints) };
    const grid = weightGrid(qparams, args, weight.shape);
    const inputs = tf.tensor2d(randn(24, 6), [2, 12]);
    const op = layerOperator(weight, inputs, linearApply);
    const rounding = softRounding(weight, grid, op);
    const hValues = randn(24, 7).map((x) => Math.min(1, Math.max(0, 0.5 + 0.4 * x)));
    const soft = tf.tidy(() => op.fromOp(softWeight(rounding, op.toOp(tf.tensor2d(hValues, [2, 12])))));
    const codes = tf.tidy(() => op.fromOp(hardCodes(rounding, grid)));
    const actual = soft.dataSync();
    const hard = codes.dataSync();
    let saturated = 0;
    values.forEach((w, i) => {
      const row = Math.floor(i / 12);
      const [s, z] = [scales[row], zeroPoints[row]];
      const down = Math.floor(Math.fround(w / s)) + z;
      if (down + 1 > 7 || down < 0) saturated++;
      const expected = s * (Math.min(7, Math.max(0, down + hValues[i])) - z);
      expect(actual[i]).toBeCloseTo(expected, 5);
      // V₀ rounds to nearest: up where the fraction is at least ½.
      const fraction = Math.fround(w / s) - Math.floor(Math.fround(w / s));
      if (Math.abs(fraction - 0.5) > 1e-4)
        expect(hard[i]).toBe(Math.min(7, Math.max(0, down + (fraction > 0.5 ? 1 : 0))));
    });
    expect(saturated).toBeGreaterThan(0);
    disposeRounding(rounding);
    disposeGrid(grid);
    tf.dispose([weight, inputs, soft, codes, qparams.scale, qparams.zeroPoint]);
  });
});

describe.each(TEST_BACKENDS)('layer operator (%s)', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('runs a plain X·Wᵀ layer on Wᵀ with the same output and weight gradient', () => {
    const weight = tf.tensor2d(randn(15, 1), [3, 5]);
    const x = tf.tensor2d(randn(20, 2), [4, 5]);
    const dy = tf.tensor2d(randn(12, 3), [4, 3]);
    const op = layerOperator(weight, x, linearApply);
    const [out, expectedOut, grad, expectedGrad] = tf.tidy(() => {
      const wOp = op.toOp(weight);
      expect(wOp.shape).toEqual([5, 3]);
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(op.apply(x, w), dy)))(wOp);
      const eg = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(linearApply(x, w), dy)))(weight);
      return [op.apply(x, wOp), linearApply(x, weight), op.fromOp(g), eg];
    });
    const close = (a: tf.Tensor, b: tf.Tensor) =>
      a.dataSync().forEach((v, i) => void expect(v).toBeCloseTo(b.dataSync()[i], 5));
    close(out, expectedOut);
    close(grad, expectedGrad);
    tf.dispose([weight, x, dy, out, expectedOut, grad, expectedGrad]);
  });

  /** A 'same'-padded stride-1 conv (NCHW, OIHW), and a stride-2 one that no fast operator matches. */
  const convSame = (x: tf.Tensor, w: tf.Tensor) =>
    tf.tidy(() => {
      const y = tf.conv2d(
        tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D,
        tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D,
        1,
        'same',
      );
      return tf.transpose(y, [0, 3, 1, 2]);
    });

  it.each([
    ['valid', conv2dApply],
    ['same', convSame],
  ])('runs a stride-1 %s conv on [kh, kw, in, out] with the same output and weight gradient', (_, apply) => {
    const weight = tf.tensor4d(randn(4 * 3 * 9, 3), [4, 3, 3, 3]);
    const x = tf.tensor4d(randn(2 * 3 * 7 * 7, 4), [2, 3, 7, 7]);
    const op = layerOperator(weight, x, apply);
    const [out, expectedOut, grad, expectedGrad] = tf.tidy(() => {
      const wOp = op.toOp(weight);
      expect(wOp.shape).toEqual([3, 3, 3, 4]);
      const dy = tf.tensor(randn(apply(x, weight).size, 5), apply(x, weight).shape);
      const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(op.apply(x, w), dy)))(wOp);
      const eg = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(apply(x, w), dy)))(weight);
      return [op.apply(x, wOp), apply(x, weight), op.fromOp(g), eg];
    });
    expect(out.shape).toEqual(expectedOut.shape);
    out.dataSync().forEach((v, i) => void expect(v).toBeCloseTo(expectedOut.dataSync()[i], 4));
    grad.dataSync().forEach((v, i) => void expect(v).toBeCloseTo(expectedGrad.dataSync()[i], 3));
    tf.dispose([weight, x, out, expectedOut, grad, expectedGrad]);
  });

  it('keeps a strided conv as it is', () => {
    const weight = tf.tensor4d(randn(4 * 3 * 9, 3), [4, 3, 3, 3]);
    const x = tf.tensor4d(randn(2 * 3 * 7 * 7, 4), [2, 3, 7, 7]);
    const strided = (input: tf.Tensor, w: tf.Tensor) =>
      tf.tidy(() => {
        const nhwc = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
        const y = tf.conv2d(nhwc, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, 2, 'valid');
        return tf.transpose(y, [0, 3, 1, 2]);
      });
    expect(layerOperator(weight, x, strided).apply).toBe(strided);
    tf.dispose([weight, x]);
  });

  it('keeps any other apply (here 2·X·Wᵀ) and the weight layout', () => {
    const weight = tf.tensor2d(randn(15, 1), [3, 5]);
    const x = tf.tensor2d(randn(20, 2), [4, 5]);
    const scaled = (input: tf.Tensor, w: tf.Tensor) => tf.tidy(() => tf.mul(linearApply(input, w), 2));
    const op = layerOperator(weight, x, scaled);
    expect(op.apply).toBe(scaled);
    const same = op.toOp(weight);
    expect(same.shape).toEqual([3, 5]);
    tf.dispose([weight, x, same]);
  });
});
