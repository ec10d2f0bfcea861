import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { fakeQuantize, lsqFakeQuantize } from './fake-quantize';
import { perChannel } from './granularity';
import { quantArgs } from './quant-args';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';

describe.each(TEST_BACKENDS)('fake quantization on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('forward equals dequantize(quantize(x))', () => {
    const out = tf.tidy(() => {
      const qp = { scale: tf.scalar(0.5), zeroPoint: tf.scalar(0) };
      return fakeQuantize(
        tf.tensor1d([0.2, 0.3, 0.76, 100]),
        qp,
        quantArgs({ bits: 4, signed: true, symmetric: true }),
      ).dataSync();
    });
    // 0.4→round 0, 0.6→1, 1.52→2, 200→saturate 7.
    expect(Array.from(out)).toEqual([0, 0.5, 1, 3.5]);
  });

  it('straight-through gradient: 1 inside the range, 0 where it saturates', () => {
    const grad = tf.tidy(() => {
      const qp = { scale: tf.scalar(1), zeroPoint: tf.scalar(0) };
      const args = quantArgs({ bits: 4, signed: false, symmetric: false });
      return tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(fakeQuantize(x, qp, args), 3)))(
          tf.tensor1d([-5, 0, 7.4, 15, 15.6]),
        )
        .dataSync();
    });
    // Codes 0..15: −5 and 15.6 (→16) saturate; 15 is the last code inside.
    expect(Array.from(grad)).toEqual([0, 3, 3, 3, 0]);
  });

  it('LSQ gradients match Esser et al.: round(v) − v inside, Qn/Qp outside', () => {
    const [gx, gs] = tf.tidy(() => {
      const args = quantArgs({ bits: 4, symmetric: true });
      const f = (x: tf.Tensor, s: tf.Tensor) => tf.sum(lsqFakeQuantize(x, s, args, { gradScale: 1 }));
      return tf
        .grads(f)([tf.tensor1d([0.3, 1.2, 10, -10]), tf.scalar(0.5)])
        .map((g) => g.dataSync());
    });
    // v = x/s = 0.6, 2.4, 20, −20; codes −8..7.
    // ∂/∂s: (1 − 0.6) + (2 − 2.4) + 7 + (−8) = −1; ∂/∂x: 1, 1, 0, 0.
    expect(Array.from(gx)).toEqual([1, 1, 0, 0]);
    expect(gs[0]).toBeCloseTo(-1, 5);
  });

  it('LSQ scales the step gradient by 1/sqrt(N·Qp) by default, per channel', () => {
    const gs = tf.tidy(() => {
      const args = quantArgs({ bits: 4, symmetric: true, granularity: perChannel(0) });
      const x = tf.tensor2d([
        [0.3, 1.2],
        [10, -10],
      ]);
      return tf
        .grad((s: tf.Tensor) => tf.sum(lsqFakeQuantize(x, s, args)))(tf.tensor1d([0.5, 0.5]))
        .dataSync();
    });
    const g = 1 / Math.sqrt(2 * 7);
    expect(gs[0]).toBeCloseTo(0 * g, 5); // (1 − 0.6) + (2 − 2.4) = 0
    expect(gs[1]).toBeCloseTo(-1 * g, 5); // 7 − 8
  });

  it('rejects LSQ on non-uniform types', () => {
    expect(() => lsqFakeQuantize(tf.scalar(1), tf.scalar(1), quantArgs({ type: 'nf4' }))).toThrow(
      /type "int"/,
    );
  });
});
