// Shared helpers of the test files (not exported by the package).
import {
  dequantize,
  disposeQParams,
  mulberry32,
  type QParams,
  type QuantArgs,
  quantize,
  tf,
} from '@lowbit/core-tensor';
import { expect } from 'vitest';
import { MinMaxObserver } from './min-max-observer';
import type { Observer } from './observer';

export const BACKENDS = ['wasm', 'cpu'] as const;

/** n seeded Laplace(0, 1) samples followed by `outliers`. */
export function laplaceWithOutliers(n: number, seed: number, outliers: number[] = []): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(n + outliers.length);
  for (let i = 0; i < n; i++) {
    const u = random() - 0.5;
    out[i] = -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  out.set(outliers, n);
  return out;
}

let heavyTailed: Float32Array | undefined;

/**
 * Heavy-tailed calibration data: 1M Laplace(0, 1) samples and four outliers (60, −45, 80, −70).
 * It is this large because at 8 bits clipping an isolated outlier by d costs d²/N of MSE while
 * MinMax's rounding MSE is only range²/(12·255²) ≈ 0.029 here: clipping all four outliers pays off
 * only for N ≳ 5·10⁵, and at 20k samples MinMax is close to MSE-optimal.
 */
export function heavyTailedData(): Float32Array {
  heavyTailed ??= laplaceWithOutliers(1_000_000, 1234, [60, -45, 80, -70]);
  return heavyTailed;
}

/** Reads and disposes qparams. */
export function readQParams(qp: QParams): { scale: number[]; zeroPoint: number[] } {
  const result = { scale: Array.from(qp.scale.dataSync()), zeroPoint: Array.from(qp.zeroPoint.dataSync()) };
  disposeQParams(qp);
  return result;
}

/** Feeds each batch to the observer and returns its qparams as numbers. */
export function observe(
  observer: Observer,
  ...batches: tf.Tensor[]
): { scale: number[]; zeroPoint: number[] } {
  for (const batch of batches) observer.update(batch);
  tf.dispose(batches);
  return readQParams(observer.compute());
}

export function expectScales(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, a] of actual.entries()) {
    expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]));
  }
}

/** MSE of fake-quantizing `data` (dequantize ∘ quantize) with the observer's qparams, fed once. */
export function fakeQuantMse(
  observer: Observer,
  data: Float32Array,
  args: QuantArgs = observer.args,
): number {
  const x = tf.tensor1d(data);
  observer.update(x);
  const qp = observer.compute();
  const mse = tf.tidy(
    () => tf.mean(tf.square(tf.sub(dequantize(quantize(x, qp, args), qp, args), x))).dataSync()[0],
  );
  disposeQParams(qp);
  x.dispose();
  return mse;
}

/** Fake-quantization MSE of `observer` and of a MinMaxObserver with the same args on the heavy-tailed data. */
export function mseVersusMinMax(observer: Observer): { observer: number; minmax: number } {
  const data = heavyTailedData();
  return {
    observer: fakeQuantMse(observer, data),
    minmax: fakeQuantMse(new MinMaxObserver({ args: observer.args }), data),
  };
}

/** Asserts that update/compute/reset cycles leave no tensors behind. */
export function expectNoLeak(observer: Observer, make: () => tf.Tensor): void {
  const baseline = tf.memory().numTensors;
  for (let cycle = 0; cycle < 2; cycle++) {
    for (let i = 0; i < 2; i++) {
      const x = make();
      observer.update(x);
      x.dispose();
    }
    disposeQParams(observer.compute());
    observer.reset();
  }
  expect(tf.memory().numTensors).toBe(baseline);
}
