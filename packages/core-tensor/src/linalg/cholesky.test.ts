import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { cholesky } from './cholesky';
import {
  expectLowbitError,
  expectNoLeak,
  gramMatrix,
  maxOutside,
  multiply,
  randomSpd,
  relativeError,
  takeMatrix,
  toTensor,
  transpose,
} from './test-helpers';

const SIZES = { wasm: [37, 130, 257], cpu: [37, 96] };

describe.each(['wasm', 'cpu'] as const)('%s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('factors the hand-worked 3×3 example', () => {
    const a = tf.tensor2d([
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ]);
    const l = takeMatrix(cholesky(a));
    expect(Array.from(l.values)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    a.dispose();
  });

  it.each(SIZES[backend])('reconstructs a random SPD matrix of size %i', (n) => {
    const a = randomSpd(n, n);
    const aTensor = toTensor(a);
    for (const blockSize of [16, undefined]) {
      const l = takeMatrix(cholesky(aTensor, { blockSize }));
      expect(maxOutside(l, 'upper')).toBe(0);
      expect(relativeError(multiply(l, transpose(l)), a)).toBeLessThan(1e-5);
    }
    aTensor.dispose();
  });

  it('names the matrix and the failing pivot when A is not positive definite', () => {
    const dead = 21;
    const a = gramMatrix(40, 80, 3);
    for (let j = 0; j < 40; j++) a.values[dead * 40 + j] = a.values[j * 40 + dead] = 0;
    const aTensor = toTensor(a);
    for (const blockSize of [8, 64]) {
      const error = expectLowbitError(
        () => cholesky(aTensor, { name: 'layers.3.mlp.H', blockSize }),
        'NOT_PD',
        'layers.3.mlp.H',
        `pivot ${dead}`,
        'damping',
      );
      expect(error.details?.pivot).toBe(dead);
    }
    aTensor.dispose();
  });

  it('rejects NaN, non-square and non-float32 input and bad block sizes', () => {
    const nan = tf.tensor2d([
      [1, Number.NaN],
      [Number.NaN, 1],
    ]);
    const rect = tf.zeros([2, 3]) as tf.Tensor2D;
    const ints = tf.eye(2, 2, undefined, 'int32') as tf.Tensor2D;
    const eye = tf.eye(2) as tf.Tensor2D;
    expectLowbitError(() => cholesky(nan, { name: 'H' }), 'BAD_TENSOR', 'H', 'NaN');
    expectLowbitError(() => cholesky(rect), 'BAD_TENSOR', 'matrix', 'square');
    expectLowbitError(() => cholesky(ints), 'BAD_TENSOR', 'float32');
    expectLowbitError(() => cholesky(eye, { blockSize: 0 }), 'BAD_ARGS', 'blockSize');
    tf.dispose([nan, rect, ints, eye]);
  });

  it('leaves no tensors behind, on success and on failure', () => {
    const good = toTensor(randomSpd(50, 1));
    const bad = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    expectNoLeak(() => cholesky(good, { blockSize: 8 }).dispose());
    expectNoLeak(() => expectLowbitError(() => cholesky(bad), 'NOT_PD'));
    tf.dispose([good, bad]);
  });
});
