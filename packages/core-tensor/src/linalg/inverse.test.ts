import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { cholesky } from './cholesky';
import { choleskyInverse, inverseSpd } from './cholesky-inverse';
import {
  expectCloseTo,
  expectLowbitError,
  expectNoLeak,
  identity,
  maxOutside,
  multiply,
  randomSpd,
  relativeError,
  takeMatrix,
  toTensor,
  transpose,
} from './test-helpers';
import { triangularInverseLower } from './triangular-inverse';
import { upperCholeskyOfInverse } from './upper-cholesky-of-inverse';

const SIZES = { wasm: [37, 130, 257], cpu: [37, 96] };
const BLOCK_SIZES = [16, undefined];

describe.each(['wasm', 'cpu'] as const)('%s backend', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('inverts the hand-worked 3×3 factor', () => {
    const l = tf.tensor2d([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
    const inverse = takeMatrix(triangularInverseLower(l));
    // Forward substitution by hand: L⁻¹ = [[1/2, 0, 0], [-3, 1, 0], [19/3, -5/3, 1/3]].
    const expected = [0.5, 0, 0, -3, 1, 0, 19 / 3, -5 / 3, 1 / 3];
    expectCloseTo(inverse.values, expected, 5);
    l.dispose();
  });

  it.each(SIZES[backend])('inverts lower-triangular factors of size %i', (n) => {
    const lTensor = tf.tidy(() => cholesky(toTensor(randomSpd(n, n))));
    const l = takeMatrix(lTensor.clone());
    for (const blockSize of BLOCK_SIZES) {
      const x = takeMatrix(triangularInverseLower(lTensor, { blockSize }));
      expect(maxOutside(x, 'upper')).toBe(0);
      expect(relativeError(multiply(l, x), identity(n))).toBeLessThan(1e-5);
    }
    lTensor.dispose();
  });

  it.each(SIZES[backend])('inverts SPD matrices of size %i: A·inverseSpd(A) ≈ I', (n) => {
    const a = randomSpd(n, n + 1);
    const aTensor = toTensor(a);
    for (const blockSize of BLOCK_SIZES) {
      const inverse = takeMatrix(inverseSpd(aTensor, { blockSize }));
      expect(relativeError(inverse, transpose(inverse))).toBeLessThan(1e-6);
      expect(relativeError(multiply(a, inverse), identity(n))).toBeLessThan(1e-4);
    }
    aTensor.dispose();
  });

  it('choleskyInverse(L) = (L·Lᵀ)⁻¹ from the factor alone', () => {
    const a = randomSpd(45, 7);
    const aTensor = toTensor(a);
    const l = cholesky(aTensor);
    const inverse = takeMatrix(choleskyInverse(l, { blockSize: 16 }));
    expect(relativeError(multiply(a, inverse), identity(45))).toBeLessThan(1e-4);
    tf.dispose([aTensor, l]);
  });

  it.each(SIZES[backend])('upperCholeskyOfInverse gives upper U with UᵀU = A⁻¹ (n = %i)', (n) => {
    const a = randomSpd(n, n + 2);
    const aTensor = toTensor(a);
    for (const blockSize of BLOCK_SIZES) {
      const u = takeMatrix(upperCholeskyOfInverse(aTensor, { blockSize }));
      expect(maxOutside(u, 'lower')).toBe(0);
      for (let i = 0; i < n; i++) expect(u.values[i * n + i]).toBeGreaterThan(0);
      expect(relativeError(multiply(a, multiply(transpose(u), u)), identity(n))).toBeLessThan(1e-4);
    }
    aTensor.dispose();
  });

  it('upperCholeskyOfInverse matches the 3×3 example', () => {
    const a = tf.tensor2d([
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ]);
    // A⁻¹ = L⁻ᵀL⁻¹ = [[1777, -488, 76], [-488, 136, -20], [76, -20, 4]] / 36; its upper Cholesky
    // factor from float64 LAPACK (numpy.linalg.cholesky(inv(A)).T):
    const expected = [7.0257463, -1.92941148, 0.30048212, 0, 0.23483851, 0.10304139, 0, 0, 0.10101525];
    const u = takeMatrix(upperCholeskyOfInverse(a));
    expectCloseTo(u.values, expected, 4);
    a.dispose();
  });

  it('throws NOT_PD naming the matrix for indefinite input and singular factors', () => {
    const indefinite = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const singular = tf.tensor2d([
      [1, 0],
      [3, 0],
    ]);
    expectLowbitError(() => inverseSpd(indefinite, { name: 'H' }), 'NOT_PD', '"H"', 'pivot 1');
    expectLowbitError(() => upperCholeskyOfInverse(indefinite, { name: 'H' }), 'NOT_PD', '"H"');
    expectLowbitError(() => triangularInverseLower(singular, { name: 'L1' }), 'NOT_PD', 'L1', 'entry 1');
    expectLowbitError(() => choleskyInverse(singular), 'NOT_PD');
    tf.dispose([indefinite, singular]);
  });

  it('leaves no tensors behind', () => {
    const a = toTensor(randomSpd(40, 9));
    const bad = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const l = cholesky(a);
    expectNoLeak(() => triangularInverseLower(l, { blockSize: 8 }).dispose());
    expectNoLeak(() => choleskyInverse(l, { blockSize: 8 }).dispose());
    expectNoLeak(() => inverseSpd(a, { blockSize: 8 }).dispose());
    expectNoLeak(() => upperCholeskyOfInverse(a, { blockSize: 8 }).dispose());
    expectNoLeak(() => expectLowbitError(() => upperCholeskyOfInverse(bad), 'NOT_PD'));
    tf.dispose([a, bad, l]);
  });
});
