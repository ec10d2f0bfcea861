// Float64 kernels for the small diagonal blocks of the blocked algorithms.
// Matrices are dense, row-major, n×n.

export interface FailedPivot {
  index: number;
  value: number;
}

/**
 * Replaces `a` by its lower Cholesky factor (reading only the lower triangle, zeroing the upper).
 * Returns the first pivot that is ≤ 0 or not finite, or undefined on success.
 */
export function choleskyInPlace(a: Float64Array, n: number): FailedPivot | undefined {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let pivot = a[rowJ + j];
    for (let k = 0; k < j; k++) pivot -= a[rowJ + k] * a[rowJ + k];
    if (!(pivot > 0) || !Number.isFinite(pivot)) return { index: j, value: pivot };
    const diagonal = Math.sqrt(pivot);
    a[rowJ + j] = diagonal;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = sum / diagonal;
    }
    a.fill(0, rowJ + j + 1, rowJ + n);
  }
  return undefined;
}

/** Inverse of a lower-triangular matrix with a nonzero diagonal. */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const x = new Float64Array(n * n);
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sums.fill(0, 0, i);
    // Row i of L·X = I: sum_k L[i,k]·X[k,j] over k < i, for every j < i.
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      const rowK = k * n;
      for (let j = 0; j <= k; j++) sums[j] += lik * x[rowK + j];
    }
    const inverseDiagonal = 1 / l[i * n + i];
    for (let j = 0; j < i; j++) x[i * n + j] = -sums[j] * inverseDiagonal;
    x[i * n + i] = inverseDiagonal;
  }
  return x;
}

/** XᵀX for a lower-triangular X, exactly symmetric. */
export function lowerGram(x: Float64Array, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rowK = k * n;
    for (let i = 0; i <= k; i++) {
      const xki = x[rowK + i];
      const rowI = i * n;
      for (let j = 0; j <= i; j++) g[rowI + j] += xki * x[rowK + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j];
  return g;
}

export function transposeSquare(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}
