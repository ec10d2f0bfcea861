import { mulberry32, tf } from '@lowbit/core-tensor';

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller), independent of any tfjs backend. */
export function randn(count: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  return Float32Array.from({ length: count }, () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  });
}

/** Heavy-tailed samples: Student's t with 2 degrees of freedom (infinite variance), times `scale`. */
export function studentT2(count: number, seed: number, scale = 0.02): Float32Array {
  const normals = randn(3 * count, seed);
  return Float32Array.from({ length: count }, (_, i) => {
    const chiSquare = normals[3 * i + 1] ** 2 + normals[3 * i + 2] ** 2;
    return (scale * normals[3 * i]) / Math.sqrt(chiSquare / 2);
  });
}

/** Σ|a − b|^p. */
export function lpError(a: ArrayLike<number>, b: ArrayLike<number>, p: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]) ** p;
  return sum;
}

/** The values of a tensor, which is then disposed. */
export function take(x: tf.Tensor): Float32Array {
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

export { expectLowbitError } from '@lowbit/core-tensor/testing';

/** Runs `body` with a float32 weight of `values` and `shape`, disposing the weight afterwards. */
export function withWeight<T>(
  values: ArrayLike<number>,
  shape: [number, number],
  body: (w: tf.Tensor2D) => T,
): T {
  const weight = tf.tensor2d(Float32Array.from(values), shape);
  try {
    return body(weight);
  } finally {
    weight.dispose();
  }
}
