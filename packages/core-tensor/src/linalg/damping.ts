// Diagonal damping with automatic retries, as GPTQ's percdamp: A + ratio·mean(diag(A))·I,
// raising the ratio ×10 after each NOT_PD failure and reporting the value that worked.
import { isLowbitError, LowbitError } from '../errors';
import { tf } from '../tf';
import { diagonalOf } from './blocks';
import { cholesky } from './cholesky';
import { assertSquareMatrix } from './validate-matrix';

export interface DampingOptions {
  /** Names the matrix in error messages (default "matrix"). */
  name?: string;
  /** First damping as a fraction of the mean diagonal (default 0.01, GPTQ's percdamp). */
  dampRatio?: number;
  /** Attempts in all, the ratio ×10 each time (default 8). */
  maxTries?: number;
  /** Called before each retry with the absolute damping and the ratio about to be tried. */
  onRetry?: (damp: number, dampRatio: number) => void;
}

export interface Damped<T> {
  /** What `factor` returned for the damped matrix. */
  value: T;
  /** Absolute value added to the diagonal that worked. */
  damp: number;
  /** damp / mean(diag(A)). */
  dampRatio: number;
  /** Attempts made, 1 when the first ratio worked. */
  tries: number;
}

export type DampedCholesky = Omit<Damped<tf.Tensor2D>, 'value'> & { L: tf.Tensor2D };

const DEFAULT_DAMP_RATIO = 0.01;
const DEFAULT_MAX_TRIES = 8;
const RATIO_GROWTH = 10;

/** Lower Cholesky factor of A + damp·I, raising damp until A + damp·I is positive definite. */
export function choleskyWithDamping(
  a: tf.Tensor2D,
  opts: DampingOptions & { blockSize?: number } = {},
): DampedCholesky {
  const { name, blockSize } = opts;
  const { value, ...damping } = withDamping(a, (damped) => cholesky(damped, { name, blockSize }), opts);
  return { L: value, ...damping };
}

/**
 * Runs `factor(A + damp·I)` with damp = ratio·mean(diag(A)), starting at `dampRatio` and multiplying
 * it by 10 whenever `factor` throws NOT_PD. GPTQ can wrap any factorization this way, e.g.
 * `withDamping(H, (h) => upperCholeskyOfInverse(h, { name }), { name })`.
 */
export function withDamping<T extends tf.TensorContainer>(
  a: tf.Tensor2D,
  factor: (damped: tf.Tensor2D) => T,
  opts: DampingOptions = {},
): Damped<T> {
  const name = opts.name ?? 'matrix';
  const { firstRatio, maxTries } = resolveRetries(opts);
  assertSquareMatrix(a, name);
  const meanDiagonal = positiveMeanDiagonal(a, name);
  const ratioOfTry = (tries: number) => firstRatio * RATIO_GROWTH ** (tries - 1);
  let failure: LowbitError | undefined;
  for (let tries = 1; tries <= maxTries; tries++) {
    const dampRatio = ratioOfTry(tries);
    const damp = dampRatio * meanDiagonal;
    if (tries > 1) opts.onRetry?.(damp, dampRatio);
    try {
      const value = tf.tidy(() => factor(addToDiagonal(a, damp)));
      return { value, damp, dampRatio, tries };
    } catch (e) {
      if (!isLowbitError(e, 'NOT_PD')) throw e;
      failure = e;
    }
  }
  const dampRatio = ratioOfTry(maxTries);
  const pivot = failure?.details?.pivot;
  throw new LowbitError(
    'NOT_PD',
    `Matrix "${name}" is not positive definite even with damping ratio ${dampRatio} ` +
      `(${maxTries} tries from ${firstRatio}, ×${RATIO_GROWTH} each); the last failed at pivot ` +
      `${pivot}. Check that it is a Hessian/covariance, or raise dampRatio or maxTries.`,
    { name, dampRatio, damp: dampRatio * meanDiagonal, tries: maxTries, pivot },
  );
}

function resolveRetries(opts: DampingOptions): { firstRatio: number; maxTries: number } {
  const firstRatio = opts.dampRatio ?? DEFAULT_DAMP_RATIO;
  const maxTries = opts.maxTries ?? DEFAULT_MAX_TRIES;
  if (!(firstRatio > 0) || !Number.isFinite(firstRatio)) {
    throw new LowbitError('BAD_ARGS', `dampRatio is ${opts.dampRatio}; use a positive number such as 0.01.`);
  }
  if (!Number.isInteger(maxTries) || maxTries < 1) {
    throw new LowbitError('BAD_ARGS', `maxTries is ${opts.maxTries}; use a positive integer such as 8.`);
  }
  return { firstRatio, maxTries };
}

function positiveMeanDiagonal(a: tf.Tensor2D, name: string): number {
  const mean = tf.tidy(() => tf.mean(diagonalOf(a)).dataSync()[0]);
  if (!(mean > 0)) {
    throw new LowbitError(
      'NOT_PD',
      `Matrix "${name}" has mean diagonal ${mean}, so damping relative to it cannot help; ` +
        'a Hessian/covariance has a positive diagonal (did any calibration data reach this layer?).',
      { name, meanDiagonal: mean },
    );
  }
  return mean;
}

function addToDiagonal(a: tf.Tensor2D, value: number): tf.Tensor2D {
  return tf.tidy(() => tf.add<tf.Tensor2D>(a, tf.mul(tf.eye(a.shape[0]), value)));
}
