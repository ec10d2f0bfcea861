import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { mulberry32 } from '../random';
import { TEST_BACKENDS } from '../test-support/backends';
import { expectLowbitError } from '../test-support/expect-lowbit-error';
import { tf } from '../tf';
import type { AttentionDims, DenseEngine, MatMulDims } from './dense-engine';
import { loadOnnxruntimeBinding } from './onnxruntime-binding';
import { onnxruntimeEngine } from './onnxruntime-engine';
import { tfjsEngine } from './tfjs-engine';

function random(length: number, seed: number, adversarial = false): Float32Array {
  const next = mulberry32(seed);
  // Adversarial: magnitudes spread over 8 decades with random signs, so cancellation is visible.
  return Float32Array.from({ length }, () =>
    adversarial ? (next() < 0.5 ? -1 : 1) * 10 ** (next() * 8 - 4) : next() * 2 - 1,
  );
}

/** C = A·B (or A·Bᵀ) in float64, and Σ|a||b| per entry, the scale of its rounding error. */
function reference(a: Float32Array, b: Float32Array, dims: MatMulDims) {
  const { batch = 1, m, k, n, transposeB = false } = dims;
  const c = new Float64Array(batch * m * n);
  const magnitude = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let [sum, abs] = [0, 0];
        for (let l = 0; l < k; l++) {
          const bv = transposeB ? b[p * n * k + j * k + l] : b[p * k * n + l * n + j];
          const product = a[p * m * k + i * k + l] * bv;
          sum += product;
          abs += Math.abs(product);
        }
        c[p * m * n + i * n + j] = sum;
        magnitude[p * m * n + i * n + j] = abs;
      }
  return { c, magnitude };
}

/** Every entry within fp32 accumulation error: |c − ref| ≤ 4·k·ε·Σ|a||b| (+ a tiny floor). */
function expectProduct(actual: Float32Array, expected: ReturnType<typeof reference>, k: number): void {
  expect(actual.length).toBe(expected.c.length);
  const bound = (i: number) => 4 * k * 2 ** -24 * expected.magnitude[i] + 1e-30;
  const worst = Array.from(actual).findIndex((v, i) => !(Math.abs(v - expected.c[i]) <= bound(i)));
  expect(worst, `entry ${worst}: ${actual[worst]} vs ${expected.c[worst]}`).toBe(-1);
}

/** softmax(scale·q·kᵀ + mask)·v per head in float64. */
function attentionReference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array,
  { batch, queries, keys, depth, scale }: AttentionDims,
): Float64Array {
  const out = new Float64Array(batch * queries * depth);
  for (let h = 0; h < batch; h++)
    for (let i = 0; i < queries; i++) {
      const scores = Array.from({ length: keys }, (_, j) => {
        let dot = 0;
        for (let d = 0; d < depth; d++)
          dot += q[(h * queries + i) * depth + d] * k[(h * keys + j) * depth + d];
        return scale * dot + mask[i * keys + j];
      });
      const top = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - top));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let d = 0; d < depth; d++) {
        let sum = 0;
        for (let j = 0; j < keys; j++) sum += (weights[j] / total) * v[(h * keys + j) * depth + d];
        out[(h * queries + i) * depth + d] = sum;
      }
    }
  return out;
}

/** A causal mask [queries, keys]: query i (the last `queries` of `keys` positions) sees keys ≤ its position. */
function causalMask(queries: number, keys: number): Float32Array {
  return Float32Array.from({ length: queries * keys }, (_, i) =>
    i % keys <= keys - queries + Math.floor(i / keys) ? 0 : -1e9,
  );
}

const ATTENTION: (AttentionDims & { label: string })[] = [
  { label: 'causal, 3 heads', batch: 3, queries: 6, keys: 6, depth: 8, scale: 1 / Math.sqrt(8) },
  { label: 'one key', batch: 2, queries: 1, keys: 1, depth: 5, scale: 0.5 },
  { label: 'sharp softmax (scores of ±100s)', batch: 1, queries: 4, keys: 9, depth: 16, scale: 40 },
];

const SHAPES: (MatMulDims & { label: string })[] = [
  { label: '1 × K row', m: 1, k: 768, n: 64 },
  { label: 'K not a multiple of any block', m: 37, k: 769, n: 33 },
  { label: 'a linear layer (Bᵀ)', m: 64, k: 129, n: 96, transposeB: true },
  { label: 'batched', batch: 3, m: 17, k: 40, n: 9 },
  { label: 'batched Bᵀ (attention scores)', batch: 4, m: 24, k: 16, n: 24, transposeB: true },
  { label: '1 × 1', m: 1, k: 1, n: 1 },
];

function engineSuite(label: string, makeEngine: () => DenseEngine): void {
  describe(`dense engine: ${label}`, () => {
    let engine: DenseEngine;
    beforeAll(() => {
      engine = makeEngine();
    });

    for (const dims of SHAPES) {
      for (const adversarial of [false, true]) {
        it(`matMul matches a float64 reference: ${dims.label}${adversarial ? ', adversarial values' : ''}`, () => {
          const { batch = 1, m, k, n } = dims;
          const a = random(batch * m * k, 1, adversarial);
          const b = random(batch * k * n, 2, adversarial);
          expectProduct(engine.matMul(a, b, dims), reference(a, b, dims), k);
        });
      }
    }

    it('gram XᵀX matches the reference and is symmetric, for 1 row and ragged sizes', () => {
      for (const [rows, columns] of [
        [1, 50],
        [300, 77],
      ]) {
        const x = random(rows * columns, 3);
        const transposed = Float32Array.from({ length: rows * columns }, (_, i) => {
          const [c, r] = [Math.floor(i / rows), i % rows];
          return x[r * columns + c];
        });
        const g = engine.gram(x, rows, columns);
        expectProduct(g, reference(transposed, x, { m: columns, k: rows, n: columns }), rows);
        expect(g[1 * columns + 7]).toBe(g[7 * columns + 1]);
      }
    });

    for (const dims of ATTENTION) {
      it(`attention matches a float64 softmax reference: ${dims.label}`, () => {
        const { batch, queries, keys, depth } = dims;
        const [q, k, v] = [1, 2, 3].map((seed) =>
          random(batch * (seed === 1 ? queries : keys) * depth, seed),
        );
        const mask = causalMask(queries, keys);
        const expected = attentionReference(q, k, v, mask, dims);
        const actual = engine.attention(q, k, v, mask, dims);
        expect(actual.length).toBe(expected.length);
        const worst = actual.reduce((m, x, i) => Math.max(m, Math.abs(x - expected[i])), 0);
        expect(worst).toBeLessThan(1e-5);
      });
    }

    it('refuses attention operands that do not match their dims', () => {
      const dims = { batch: 1, queries: 2, keys: 3, depth: 4, scale: 1 };
      const [q, kv, mask] = [new Float32Array(8), new Float32Array(12), new Float32Array(6)];
      expectLowbitError(
        () => engine.attention(q, kv, kv, new Float32Array(5), dims),
        'BAD_TENSOR',
        /mask has 5/,
      );
      expectLowbitError(
        () => engine.attention(q, kv, kv, mask, { ...dims, keys: 0 }),
        'BAD_TENSOR',
        /empty batch/,
      );
      expectLowbitError(
        () => engine.attention(q, kv, kv, mask, { ...dims, scale: Number.NaN }),
        'BAD_ARGS',
        /scale/,
      );
    });

    it('reads operands that are views into a larger buffer', () => {
      const backing = random(1000, 4);
      const a = backing.subarray(100, 100 + 6 * 5);
      const b = backing.subarray(500, 500 + 5 * 4);
      expectProduct(engine.matMul(a, b, { m: 6, k: 5, n: 4 }), reference(a, b, { m: 6, k: 5, n: 4 }), 5);
    });

    it('refuses an empty batch and operands that do not match the dims', () => {
      expectLowbitError(
        () => engine.matMul(new Float32Array(0), new Float32Array(12), { m: 0, k: 3, n: 4 }),
        'BAD_TENSOR',
        /m is 0 \(an empty batch\)/,
      );
      expectLowbitError(
        () => engine.gram(new Float32Array(0), 0, 8),
        'BAD_TENSOR',
        /rows is 0 \(an empty batch\)/,
      );
      expectLowbitError(
        () => engine.matMul(new Float32Array(5), new Float32Array(12), { m: 2, k: 3, n: 4 }),
        'BAD_TENSOR',
        /A has 5 values, the sizes say 6/,
      );
      expectLowbitError(
        () => engine.matMul(new Float32Array(6), new Float32Array(12), { m: 2.5, k: 3, n: 4 }),
        'BAD_ARGS',
        /m is 2.5/,
      );
    });
  });
}

const binding = loadOnnxruntimeBinding();
describe('onnxruntime-node', () => {
  it('loads its synchronous binding (CI installs it)', () => {
    expect(typeof binding === 'string' ? binding : 'loaded').toBe('loaded');
  });
});
if (typeof binding !== 'string') {
  engineSuite('onnxruntime, 1 thread', () => onnxruntimeEngine(binding, { threads: 1 }));
  engineSuite('onnxruntime, 2 threads', () => onnxruntimeEngine(binding, { threads: 2 }));
}

for (const backend of TEST_BACKENDS) {
  describe(`tfjs engine on ${backend}`, () => {
    let tensorsBefore = 0;
    beforeAll(async () => {
      await initBackend({ backend, engine: 'tfjs' });
      tensorsBefore = tf.memory().numTensors;
    });
    afterAll(() => {
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    });
    engineSuite(`tfjs (${backend})`, () => tfjsEngine(1));
  });
}
