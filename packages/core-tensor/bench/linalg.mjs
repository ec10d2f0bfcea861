// Blocked Cholesky family against plain tf.matMul, measured side by side in one run.
// Flops counted: matMul 2n³; cholesky n³/3; inverseSpd n³ (factor n³/3 + potri 2n³/3);
// upperCholeskyOfInverse 5n³/3 (inverseSpd, then a second cholesky).
// Usage: `node bench/linalg.mjs [backend]` after `npx tsup`, or import bench().
import { cholesky, initBackend, inverseSpd, tf, upperCholeskyOfInverse } from '@lowbit/core-tensor';

const SIZES = [1024, 2048];
const RUNS = 5;
const OPS = [
  { op: 'tf.matMul', flops: (n) => 2 * n ** 3, run: (a) => tf.matMul(a, a) },
  { op: 'cholesky', flops: (n) => n ** 3 / 3, run: (a) => cholesky(a) },
  { op: 'inverseSpd', flops: (n) => n ** 3, run: (a) => inverseSpd(a) },
  { op: 'upperCholeskyOfInverse', flops: (n) => (5 * n ** 3) / 3, run: (a) => upperCholeskyOfInverse(a) },
];

/** X·Xᵀ/n + I for a seeded Gaussian X: symmetric positive definite. */
function randomSpd(n) {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, n], 0, 1, 'float32', n);
    return tf.add(tf.div(tf.matMul(x, tf.transpose(x)), n), tf.eye(n));
  });
}

/** Median wall time of `run` after one warm-up; dataSync forces the work to finish. */
function medianMs(run) {
  const times = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    const out = run();
    out.dataSync();
    out.dispose();
    if (i > 0) times.push(performance.now() - start);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

function measureSize(n) {
  const a = randomSpd(n);
  const rows = OPS.map(({ op, flops, run }) => {
    const ms = medianMs(() => run(a));
    return { op, n, ms, gflops: flops(n) / ms / 1e6 };
  });
  a.dispose();
  const matMulGflops = rows[0].gflops;
  return rows.map((row) => ({ ...row, ratio: row.gflops / matMulGflops }));
}

export async function bench({ backend } = {}) {
  const { name } = await initBackend({ backend });
  const rows = SIZES.flatMap(measureSize).map(
    ({ op, n, ms, gflops, ratio }) =>
      `| ${op} | ${n} | ${ms.toFixed(1)} | ${gflops.toFixed(2)} | ${ratio.toFixed(2)} |`,
  );
  const markdown = [
    `Backend: ${name}. Median of ${RUNS} runs after a warm-up, on X·Xᵀ/n + I with Gaussian X.`,
    'GFLOP/s counts matMul 2n³, cholesky n³/3, inverseSpd n³, upperCholeskyOfInverse 5n³/3;',
    'the ratio divides by the tf.matMul GFLOP/s at the same n, measured in the same run.',
    '',
    '| op | n | ms | GFLOP/s | ratio to matMul |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  console.log(markdown);
  return { section: 'Linear algebra', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench({ backend: process.argv[2] });
