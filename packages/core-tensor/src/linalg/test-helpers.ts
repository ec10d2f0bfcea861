// Float64 reference math for the linalg tests, independent of tfjs.
import { expect } from 'vitest';
import { tf } from '../tf';

export type Matrix = { rows: number; cols: number; values: Float64Array };

export function gaussianMatrix(rows: number, cols: number, seed: number): Matrix {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return { rows, cols, values };
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  const values = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.values[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) values[i * b.cols + j] += aik * b.values[k * b.cols + j];
    }
  }
  return { rows: a.rows, cols: b.cols, values };
}

export function transpose(a: Matrix): Matrix {
  const values = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) values[j * a.rows + i] = a.values[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, values };
}

export function identity(n: number): Matrix {
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return { rows: n, cols: n, values };
}

/** XᵀX/samples + shift·I for a Gaussian X [samples, n]: positive semi-definite, definite if shift > 0. */
export function gramMatrix(n: number, samples: number, seed: number, shift = 0): Matrix {
  const x = gaussianMatrix(samples, n, seed);
  const gram = multiply(transpose(x), x);
  for (let i = 0; i < n * n; i++) gram.values[i] /= samples;
  for (let i = 0; i < n; i++) gram.values[i * n + i] += shift;
  return gram;
}

/** A well-conditioned random SPD matrix. */
export function randomSpd(n: number, seed: number): Matrix {
  return gramMatrix(n, 2 * n, seed, 0.1);
}

/** ‖a − b‖_F / ‖b‖_F. */
export function relativeError(a: Matrix, b: Matrix): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.values.length; i++) {
    diff += (a.values[i] - b.values[i]) ** 2;
    norm += b.values[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Largest |entry| strictly above (side 'upper') or below ('lower') the diagonal. */
export function maxOutside(a: Matrix, side: 'upper' | 'lower'): number {
  let max = 0;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      if (side === 'upper' ? j > i : j < i) max = Math.max(max, Math.abs(a.values[i * a.cols + j]));
    }
  }
  return max;
}

export function toTensor(a: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(a.values), [a.rows, a.cols]);
}

/** Reads and disposes `t`. */
export function takeMatrix(t: tf.Tensor2D): Matrix {
  const [rows, cols] = t.shape;
  const values = Float64Array.from(t.dataSync());
  t.dispose();
  return { rows, cols, values };
}

export { expectLowbitError } from '../test-support/expect-lowbit-error';

export function expectCloseTo(values: ArrayLike<number>, expected: number[], digits: number): void {
  expect(Array.from(values)).toEqual(expected.map((v) => expect.closeTo(v, digits)));
}

/** Runs `body` and checks that it leaves no tensor behind. */
export function expectNoLeak(body: () => void): void {
  const before = tf.memory().numTensors;
  body();
  expect(tf.memory().numTensors).toBe(before);
}
