import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { cholesky } from './cholesky';
import {
  expectCloseTo,
  expectLowbitError,
  expectNoLeak,
  gaussianMatrix,
  multiply,
  randomSpd,
  relativeError,
  takeMatrix,
  toTensor,
  transpose,
} from './test-helpers';
import { solveLowerTriangular, solveUpperTriangular } from './triangular-solve';

const SIZES = { wasm: [37, 130, 257], cpu: [37, 96] };

describe.each(['wasm', 'cpu'] as const)('%s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('solves the hand-worked 3×3 systems', () => {
    const l = tf.tensor2d([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
    const b = tf.tensor2d([[2], [7], [0]]);
    // L·x = b by forward substitution: x = [1, 1, 1]; Lᵀ·y = b by back substitution: y = [-20, 7, 0].
    expectCloseTo(takeMatrix(solveLowerTriangular(l, b)).values, [1, 1, 1], 5);
    const u = tf.transpose(l);
    expectCloseTo(takeMatrix(solveUpperTriangular(u, b)).values, [-20, 7, 0], 4);
    tf.dispose([l, b, u]);
  });

  it.each(SIZES[backend])('solves L·X = B and U·X = B for n = %i', (n) => {
    const lTensor = tf.tidy(() => cholesky(toTensor(randomSpd(n, n))));
    const uTensor = tf.transpose(lTensor);
    const l = takeMatrix(lTensor.clone());
    const b = gaussianMatrix(n, 5, 11);
    const bTensor = toTensor(b);
    for (const blockSize of [16, undefined]) {
      const x = takeMatrix(solveLowerTriangular(lTensor, bTensor, { blockSize }));
      expect(relativeError(multiply(l, x), b)).toBeLessThan(1e-5);
      const y = takeMatrix(solveUpperTriangular(uTensor, bTensor, { blockSize }));
      expect(relativeError(multiply(transpose(l), y), b)).toBeLessThan(1e-5);
    }
    tf.dispose([lTensor, uTensor, bTensor]);
  });

  it('rejects mismatched right-hand sides and singular matrices', () => {
    const l = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    const eye = tf.eye(2) as tf.Tensor2D;
    const wrongRows = tf.ones([3, 1]) as tf.Tensor2D;
    expectLowbitError(() => solveLowerTriangular(eye, wrongRows), 'BAD_TENSOR', '[2, k]');
    expectLowbitError(() => solveUpperTriangular(l, eye, { name: 'U0' }), 'NOT_PD', 'U0');
    tf.dispose([l, eye, wrongRows]);
  });

  it('leaves no tensors behind', () => {
    const l = tf.tidy(() => cholesky(toTensor(randomSpd(40, 2))));
    const u = tf.transpose(l);
    const b = toTensor(gaussianMatrix(40, 3, 4));
    expectNoLeak(() => solveLowerTriangular(l, b, { blockSize: 8 }).dispose());
    expectNoLeak(() => solveUpperTriangular(u, b, { blockSize: 8 }).dispose());
    tf.dispose([l, u, b]);
  });
});
