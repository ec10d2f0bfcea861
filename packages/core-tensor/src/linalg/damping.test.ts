import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { cholesky } from './cholesky';
import { choleskyWithDamping, withDamping } from './damping';
import {
  expectLowbitError,
  expectNoLeak,
  gramMatrix,
  identity,
  type Matrix,
  multiply,
  relativeError,
  takeMatrix,
  toTensor,
  transpose,
} from './test-helpers';
import { upperCholeskyOfInverse } from './upper-cholesky-of-inverse';

/** diag(10, 10, 10, -5): damping ratios 0.01 and 0.1 of the mean diagonal 6.25 fail, 1 works. */
const NEEDS_RATIO_1 = [
  [10, 0, 0, 0],
  [0, 10, 0, 0],
  [0, 0, 10, 0],
  [0, 0, 0, -5],
];

/** XᵀX with 30 samples of 60 features and one dead feature: positive semi-definite, singular. */
function rankDeficientHessian(): Matrix {
  const h = gramMatrix(60, 30, 5);
  for (let j = 0; j < 60; j++) h.values[7 * 60 + j] = h.values[j * 60 + 7] = 0;
  return h;
}

function meanDiagonal(a: Matrix): number {
  let sum = 0;
  for (let i = 0; i < a.rows; i++) sum += a.values[i * a.rows + i];
  return sum / a.rows;
}

function plusDiagonal(a: Matrix, damp: number): Matrix {
  const values = Float64Array.from(a.values);
  for (let i = 0; i < a.rows; i++) values[i * a.rows + i] += damp;
  return { ...a, values };
}

describe.each(['wasm', 'cpu'] as const)('%s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('recovers a singular PSD matrix and reports the damping that worked', () => {
    const h = rankDeficientHessian();
    const hTensor = toTensor(h);
    expectLowbitError(() => cholesky(hTensor, { name: 'fc1.H' }), 'NOT_PD', 'fc1.H');
    const retries: number[] = [];
    const result = choleskyWithDamping(hTensor, { name: 'fc1.H', onRetry: (damp) => retries.push(damp) });
    expect(result.tries).toBe(1);
    expect(retries).toEqual([]);
    expect(result.dampRatio).toBe(0.01);
    expect(result.damp).toBeGreaterThan(0);
    expect(result.damp).toBeCloseTo(0.01 * meanDiagonal(h), 6);
    const l = takeMatrix(result.L);
    expect(relativeError(multiply(l, transpose(l)), plusDiagonal(h, result.damp))).toBeLessThan(1e-5);
    hTensor.dispose();
  });

  it('raises the damping ×10 per retry until the factorization succeeds', () => {
    const a = tf.tensor2d(NEEDS_RATIO_1);
    const retries: [number, number][] = [];
    const result = choleskyWithDamping(a, { onRetry: (damp, ratio) => retries.push([damp, ratio]) });
    expect(result.tries).toBe(3);
    expect(result.dampRatio).toBeCloseTo(1, 12);
    expect(result.damp).toBeCloseTo(6.25, 10);
    expect(retries.map(([damp]) => damp)).toEqual([expect.closeTo(0.625, 10), expect.closeTo(6.25, 10)]);
    expect(takeMatrix(result.L).values[15]).toBeCloseTo(Math.sqrt(1.25), 6);
    a.dispose();
  });

  it('throws NOT_PD naming the matrix and the last ratio when every try fails', () => {
    const a = tf.tensor2d(NEEDS_RATIO_1);
    const error = expectLowbitError(
      () => choleskyWithDamping(a, { name: 'q_proj.H', maxTries: 2 }),
      'NOT_PD',
      '"q_proj.H"',
      'damping ratio 0.1',
    );
    expect(error.details?.dampRatio).toBeCloseTo(0.1, 12);
    a.dispose();
  });

  it('rejects bad options and matrices damping cannot fix', () => {
    const eye = tf.eye(3) as tf.Tensor2D;
    const zero = tf.zeros([3, 3]) as tf.Tensor2D;
    expectLowbitError(() => choleskyWithDamping(eye, { dampRatio: 0 }), 'BAD_ARGS', 'dampRatio');
    expectLowbitError(() => choleskyWithDamping(eye, { maxTries: 0 }), 'BAD_ARGS', 'maxTries');
    expectLowbitError(() => choleskyWithDamping(zero, { name: 'dead' }), 'NOT_PD', 'dead', 'mean diagonal 0');
    tf.dispose([eye, zero]);
  });

  it('wraps other factorizations, as GPTQ does with upperCholeskyOfInverse', () => {
    const h = rankDeficientHessian();
    const hTensor = toTensor(h);
    const { value: u, damp } = withDamping(
      hTensor,
      (damped) => upperCholeskyOfInverse(damped, { name: 'H' }),
      {
        name: 'H',
      },
    );
    const uMatrix = takeMatrix(u);
    const inverse = multiply(transpose(uMatrix), uMatrix);
    expect(relativeError(multiply(plusDiagonal(h, damp), inverse), identity(60))).toBeLessThan(1e-4);
    hTensor.dispose();
  });

  it('leaves no tensors behind, on success and on failure', () => {
    const h = toTensor(rankDeficientHessian());
    const a = tf.tensor2d(NEEDS_RATIO_1);
    expectNoLeak(() => choleskyWithDamping(h, { blockSize: 8 }).L.dispose());
    expectNoLeak(() => choleskyWithDamping(a).L.dispose());
    expectNoLeak(() => expectLowbitError(() => choleskyWithDamping(a, { maxTries: 2 }), 'NOT_PD'));
    tf.dispose([h, a]);
  });
});
