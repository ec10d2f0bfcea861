export { type CholeskyOptions, cholesky } from './cholesky';
export { choleskyInverse, inverseSpd } from './cholesky-inverse';
export {
  choleskyWithDamping,
  type Damped,
  type DampedCholesky,
  type DampingOptions,
  withDamping,
} from './damping';
export { triangularInverseLower } from './triangular-inverse';
export { solveLowerTriangular, solveUpperTriangular, type TriangularOptions } from './triangular-solve';
export { upperCholeskyOfInverse } from './upper-cholesky-of-inverse';
