import { initBackend, quantize, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { rtnQuantizeTensor } from '@lowbit/rtn';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GptqConfigInput } from './config';
import { accumulateHessian, createHessian, gptqQuantizeWeight } from './gptq-math';
import { correlatedInputs, hadamard, hessianOf, outputSquaredError, randn } from './test-helpers';

// The hand-worked example: W [2, 4] and an SPD Hessian [4, 4] with diagonal (2, 3.5, 4, 1).
const W = [
  [0.9, -0.3, 0.5, 0.1],
  [-0.7, 0.2, 0.8, -0.4],
];
const H = [
  [2, 1, 1, 0.5],
  [1, 3.5, 2, 0],
  [1, 2, 4, 0.5],
  [0.5, 0, 0.5, 1],
];

function runExample(config: GptqConfigInput) {
  const [w, h] = [tf.tensor2d(W), tf.tensor2d(H)];
  const result = gptqQuantizeWeight(w, h, config);
  const q = result.quantized.dequantize();
  const dequantized = q.arraySync() as number[][];
  tf.dispose([w, h, q]);
  return { ...result, dequantized };
}

function expectRowsClose(actual: number[][], expected: number[][], digits = 5): void {
  actual.forEach((row, r) => {
    row.forEach((v, c) => {
      expect(v).toBeCloseTo(expected[r][c], digits);
    });
  });
}

/** Quantizes W [rows, d] with GPTQ and with RTN (@lowbit/rtn) under the same args. */
function gptqAndRtn(w: Float32Array, shape: [number, number], h: tf.Tensor2D, config: GptqConfigInput) {
  const weight = tf.tensor2d(w, shape);
  const gptq = gptqQuantizeWeight(weight, h, config).quantized;
  const { bits, groupSize, symmetric } = config;
  const rtn = rtnQuantizeTensor(weight, { bits, groupSize, symmetric }).quantized;
  weight.dispose();
  return { gptq, rtn };
}

/** Σ over off-diagonal entries of |H|. */
function offDiagonalMass(h: tf.Tensor2D): number {
  const n = h.shape[0];
  const values = h.dataSync();
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) sum += Math.abs(values[i * n + j]);
  return sum;
}

describe.each(TEST_BACKENDS)('GPTQ math on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('follows Algorithm 1 on a hand-worked example: H 4×4, W 2×4, 2-bit per channel', () => {
    // damp = 0.01 · mean(2, 3.5, 4, 1) = 0.02625. Upper Cholesky factor of (H + damp·I)⁻¹ (float64):
    //   U = [[0.82046145, -0.19942375, -0.05862172, -0.37117648],
    //        [0,           0.63644083, -0.33650575,  0.16394921],
    //        [0,           0,           0.51416467, -0.25050654],
    //        [0,           0,           0,           0.98712787]]
    // Row qparams from W: row 0 range [-0.3, 0.9] → scale 1.2/3 = 0.4, zero round(0.3/0.4) = 1;
    // row 1 range [-0.7, 0.8] → scale 0.5, zero round(1.4) = 1. Levels (q − 1)·scale.
    // Column 0: w = (0.9, -0.7) → q = (0.8, -0.5), err = (w − q)/U00 = (0.12188263, -0.24376526).
    // Column 1: w − err·U01 = (-0.27569371, 0.15138742) → q = (-0.4, 0), err = (0.19531477, 0.23786566).
    // Column 2: w after both updates = (0.57286951, 0.86575322) → q = (0.4, 1), err = (0.33621429, -0.26109686).
    // Column 3: w = (0.19744214, -0.59488429) → q = (0, -0.5), err = (0.20001679, -0.09612158).
    // Loss Σ err²/2 = 0.19973125, which equals ½·tr(ΔW (H + damp·I) ΔWᵀ) for ΔW = W − Q =
    // [[.1, .1, .1, .1], [-.2, .2, -.2, .1]]: (0.20605 + 0.1934125)/2.
    for (const blockSize of [1, 2, 4]) {
      const result = runExample({ bits: 2, groupSize: 'channel', blockSize });
      expect(Array.from(result.quantized.codes)).toEqual([3, 0, 2, 1, 0, 1, 3, 0]);
      expect(Array.from(result.quantized.scale)).toEqual([expect.closeTo(0.4, 6), expect.closeTo(0.5, 6)]);
      expect(Array.from(result.quantized.zeroPoint)).toEqual([1, 1]);
      expectRowsClose(result.dequantized, [
        [0.8, -0.4, 0.4, 0],
        [-0.5, 0, 1, -0.5],
      ]);
      expect(result.loss).toBeCloseTo(0.19973125, 5);
      expect(result.damp).toBeCloseTo(0.02625, 7);
      expect(result.tries).toBe(1);
    }
  });

  it('follows the reference with act-order and groups of 2 (3-bit symmetric)', () => {
    // diag(H) = (2, 3.5, 4, 1) → perm = [2, 1, 0, 3]. Group 0 = original columns 2, 1, with row
    // absmax (0.5, 0.8) → scales 0.5/3.5, 0.8/3.5. With blockSize 2, group 1 (columns 0, 3) starts a
    // block, so its range is that of the columns after the first block's update (float64 reference):
    let result = runExample({ bits: 3, groupSize: 2, symmetric: true, actOrder: true, blockSize: 2 });
    expect(Array.from(result.quantized.perm!)).toEqual([2, 1, 0, 3]);
    expect(Array.from(result.quantized.gIdx!)).toEqual([1, 0, 0, 1]);
    expect(Array.from(result.quantized.codes)).toEqual([3, -2, 3, 1, -4, 1, 3, -2]);
    expect(Array.from(result.quantized.scale)).toEqual(
      [0.5 / 3.5, 0.2635126026, 0.8 / 3.5, 0.1907242673].map((s) => expect.closeTo(s, 6)),
    );
    expectRowsClose(result.dequantized, [
      [0.7905378079, -0.2857142857, 0.4285714286, 0.2635126026],
      [-0.7628970692, 0.2285714286, 0.6857142857, -0.3814485346],
    ]);
    expect(result.loss).toBeCloseTo(0.0550491971, 5);
    // With blockSize 4 group 1 starts mid-block: as the reference's find_params(W[:, c:c+groupsize]),
    // its range comes from W before this block's updates: row 0 (0.9, 0.1) → scale 0.9/3.5.
    result = runExample({ bits: 3, groupSize: 2, symmetric: true, actOrder: true, blockSize: 4 });
    expect(Array.from(result.quantized.codes)).toEqual([3, -2, 3, 1, -3, 1, 3, -2]);
    expect(Array.from(result.quantized.scale)).toEqual(
      [0.5 / 3.5, 0.9 / 3.5, 0.8 / 3.5, 0.7 / 3.5].map((s) => expect.closeTo(s, 6)),
    );
    expect(result.loss).toBeCloseTo(0.052403699, 5);
  });

  it('accumulates H = 2/n Σ xxᵀ over batches of any size', () => {
    const [n, d] = [50, 12];
    const x = randn(n * d, 3);
    const expected = new Float64Array(d * d);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) expected[i * d + j] += (2 / n) * x[k * d + i] * x[k * d + j];
    }
    for (const batches of [[50], [7, 13, 30], Array(50).fill(1)]) {
      const h = hessianOf(x, d, batches);
      Array.from(h.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i], 5);
      });
      h.dispose();
    }
  });

  it.each<GptqConfigInput>([
    { bits: 4, groupSize: 'channel' },
    { bits: 3, groupSize: 'channel', symmetric: true },
    { bits: 4, groupSize: 16 },
    { bits: 4, groupSize: 16, symmetric: true },
    { bits: 3, groupSize: 24 },
  ])('equals RTN exactly when the inputs are whitened (H ∝ I): %o', (config) => {
    // Hadamard rows and their negatives in batches of 32 and 96, so that the input scales √(2/32) and
    // √(2/128) and the rescale 32/128 are powers of 2: every product and sum is exact.
    const rows = hadamard(64);
    const x = Float32Array.from([...rows, ...rows.map((v) => -v)]);
    const h = hessianOf(x, 64, [32, 96]);
    expect(offDiagonalMass(h)).toBe(0);
    const { gptq, rtn } = gptqAndRtn(randn(24 * 64, 5), [24, 64], h, { ...config, blockSize: 16 });
    expect(Array.from(gptq.codes)).toEqual(Array.from(rtn.codes));
    expect(Array.from(gptq.scale)).toEqual(Array.from(rtn.scale));
    expect(Array.from(gptq.zeroPoint)).toEqual(Array.from(rtn.zeroPoint));
    h.dispose();
  });

  it('still equals RTN on uncorrelated inputs of unequal scale with act-order and static groups', () => {
    // Column j scaled by 2^(j mod 3): H is diagonal, 2·4^(j mod 3), so act-order takes j ≡ 2 first.
    const rows = hadamard(64);
    const x = Float32Array.from([...rows, ...rows.map((v) => -v)], (v, i) => v * 2 ** ((i % 64) % 3));
    const h = hessianOf(x, 64, [32, 96]);
    expect(offDiagonalMass(h)).toBe(0);
    for (const config of [
      { groupSize: 16, actOrder: true, staticGroups: true },
      { groupSize: 'channel' as const, actOrder: true },
    ]) {
      const { gptq, rtn } = gptqAndRtn(randn(8 * 64, 9), [8, 64], h, { bits: 4, ...config });
      const order = [2, 1, 0].flatMap((k) =>
        Array.from({ length: 64 }, (_, j) => j).filter((j) => j % 3 === k),
      );
      expect(Array.from(gptq.perm!)).toEqual(order);
      expect(gptq.gIdx).toBeUndefined();
      expect(Array.from(gptq.codes)).toEqual(Array.from(rtn.codes));
    }
    h.dispose();
  });

  it.each<GptqConfigInput>([
    { groupSize: 'channel' },
    { groupSize: 16 },
    { groupSize: 10, symmetric: true },
    { groupSize: 16, actOrder: true },
    { groupSize: 16, actOrder: true, staticGroups: true },
    { groupSize: 16, mseSearch: true },
  ])('beats RTN on correlated inputs and its loss is ½·tr(ΔW (H + damp·I) ΔWᵀ): %o', (config) => {
    const [rows, d, n] = [16, 48, 256];
    const xValues = correlatedInputs(n, d, 11);
    const x = tf.tensor2d(xValues, [n, d]);
    const h = hessianOf(xValues, d);
    const w = tf.tensor2d(randn(rows * d, 12), [rows, d]);
    const result = gptqQuantizeWeight(w, h, { bits: 3, blockSize: 8, ...config });
    const gptqWeight = result.quantized.dequantize();
    const { groupSize, symmetric } = config;
    const rtnWeight = rtnQuantizeTensor(w, { bits: 3, groupSize, symmetric }).quantized.dequantize();
    expect(outputSquaredError(w, gptqWeight, x)).toBeLessThan(0.8 * outputSquaredError(w, rtnWeight, x));
    const dampedLoss = tf.tidy(() => {
      const delta = tf.sub(w, gptqWeight) as tf.Tensor2D;
      const damped = tf.add(h, tf.mul(tf.eye(d), result.damp)) as tf.Tensor2D;
      return tf.sum(tf.mul(tf.matMul(delta, damped), delta)).dataSync()[0] / 2;
    });
    expect(Math.abs(result.loss - dampedLoss) / dampedLoss).toBeLessThan(1e-3);
    tf.dispose([x, h, w, gptqWeight, rtnWeight]);
  });

  it('gives the same codes for any block size when groups follow the column loop (per channel)', () => {
    const d = 40;
    const xValues = correlatedInputs(200, d, 21);
    const h = hessianOf(xValues, d);
    const w = tf.tensor2d(randn(12 * d, 22), [12, d]);
    const codes = [1, 7, 16, 128].map((blockSize) =>
      Array.from(gptqQuantizeWeight(w, h, { bits: 4, groupSize: 'channel', blockSize }).quantized.codes),
    );
    for (const c of codes.slice(1)) expect(c).toEqual(codes[0]);
    tf.dispose([h, w]);
  });

  it('stores act-order groups as gIdx so that core dequantizes them (ragged 172 = 5·32 + 12)', () => {
    const d = 172;
    const xValues = correlatedInputs(400, d, 31);
    const h = hessianOf(xValues, d);
    const w = tf.tensor2d(randn(8 * d, 32), [8, d]);
    const { quantized } = gptqQuantizeWeight(w, h, { bits: 4, groupSize: 32, actOrder: true });
    expect(quantized.scale.length).toBe(8 * 6);
    const gIdx = Array.from(quantized.gIdx!);
    expect(new Set(gIdx).size).toBe(6);
    expect(gIdx.filter((g) => g === 5).length).toBe(12);
    // Each column's group is its position in the act-order, divided by 32.
    quantized.perm!.forEach((column, position) => {
      expect(gIdx[column]).toBe(Math.floor(position / 32));
    });
    const requantized = tf.tidy(() => {
      const qparams = quantized.qparams();
      const codes = quantize(quantized.dequantize(), qparams, quantized.args, { groupIndex: quantized.gIdx });
      return Array.from(codes.dataSync());
    });
    expect(requantized).toEqual(Array.from(quantized.codes));
    tf.dispose([h, w]);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const state = createHessian(48);
    const x = tf.tensor2d(correlatedInputs(64, 48, 41), [64, 48]);
    accumulateHessian(state, x);
    const h = tf.tensor2d(state.h, [48, 48]);
    const w = tf.tensor2d(randn(16 * 48, 42), [16, 48]);
    for (const config of [
      { groupSize: 16, actOrder: true },
      { groupSize: 'channel' as const, mseSearch: true },
    ]) {
      gptqQuantizeWeight(w, h, config);
    }
    tf.dispose([h, x, w]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
