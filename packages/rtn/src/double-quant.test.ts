import { initBackend, NF4_VALUES } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { dequantizeDoubleQuant, doubleQuantize } from './double-quant';
import { createDynamicMap } from './dynamic-map';
import { BACKENDS, quantizeValues, randn } from './test-helpers';

const map = createDynamicMap();

describe('dynamic map', () => {
  it('has 256 ascending values: 127 negative, 0, 128 positive up to 1', () => {
    expect(map).toHaveLength(256);
    for (let i = 1; i < 256; i++) expect(map[i]).toBeGreaterThan(map[i - 1]);
    expect(map[127]).toBe(0);
    expect(map[255]).toBe(1);
  });

  it('holds the hand-computed midpoints of create_dynamic_map', () => {
    // Exponent i: midpoints of linspace(0.1, 1, 2^i + 1) times 10^(i − 6), with both signs.
    const f = Math.fround;
    expect(map[128]).toBe(f(f(0.55) * 1e-6));
    expect(map[126]).toBe(-f(f(0.55) * 1e-6));
    expect(map[254]).toBe(f(0.99296875)); // last midpoint of 65 steps: 1 − 0.9 / 128
    expect(map[0]).toBe(-f(0.99296875));
    for (const v of [0.325e-5, 0.775e-5, 0.2125e-4, 0.8875e-4, 0.10703125]) {
      expect(map.some((m) => Math.abs(m - v) <= 1e-6 * v)).toBe(true);
      expect(map.some((m) => Math.abs(m + v) <= 1e-6 * v)).toBe(true);
    }
  });
});

describe('doubleQuantize', () => {
  it('stores the mean offset, one absmax per 256 scales and the nearest map code of each', () => {
    const scales = randn(600, 5).map((v) => 0.05 + 0.01 * Math.abs(v));
    const state = doubleQuantize(scales);
    expect(state.absmax).toHaveLength(3);
    expect(state.offset).toBeCloseTo(scales.reduce((a, b) => a + b, 0) / 600, 7);
    const restored = dequantizeDoubleQuant(state);
    scales.forEach((scale, i) => {
      const absmax = state.absmax[Math.floor(i / 256)];
      const normalized = (scale - state.offset) / absmax;
      // Nearest by brute force, and within half the gap of the map values that bracket it.
      const nearest = Math.min(...Array.from(map, (m) => Math.abs(normalized - m)));
      expect(Math.abs(normalized - map[state.codes[i]])).toBeLessThanOrEqual(nearest + 1e-7);
      const upper = map.findIndex((m) => m >= normalized);
      const halfGap = upper > 0 ? (map[upper] - map[upper - 1]) / 2 : 0;
      expect(Math.abs(restored[i] - scale)).toBeLessThanOrEqual(halfGap * absmax + 1e-7 * scale);
    });
  });

  it('restores equal scales exactly (zero range after the offset)', () => {
    const state = doubleQuantize(new Float32Array(10).fill(0.25));
    expect(Array.from(dequantizeDoubleQuant(state))).toEqual(new Array(10).fill(0.25));
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('nf4 with double quant dequantizes with the double-quantized absmax and is smaller', () => {
    const values = randn(64 * 256, 17);
    const plain = quantizeValues(values, [64, 256], { type: 'nf4' });
    const nested = quantizeValues(values, [64, 256], { type: 'nf4', doubleQuant: true });
    const state = nested.doubleQuant!;
    expect(state.codes).toHaveLength(256);
    expect(state.absmax).toHaveLength(1);
    expect(nested.quantized.codes).toEqual(plain.quantized.codes);
    const absmax = dequantizeDoubleQuant(state);
    expect(nested.quantized.scale).toEqual(absmax);
    // Each restored absmax is within the 8-bit dynamic map's resolution: ≤ 1% here.
    absmax.forEach((a, b) => {
      expect(Math.abs(a - plain.quantized.scale[b])).toBeLessThan(0.01 * plain.quantized.scale[b]);
    });
    nested.reconstruction.forEach((v, i) => {
      expect(v).toBeCloseTo(NF4_VALUES[nested.quantized.codes[i]] * absmax[Math.floor(i / 64)], 6);
    });
    expect(plain.sizeBytes).toBe(8192 + 4 * 256);
    expect(nested.sizeBytes).toBe(8192 + 256 + 4 + 4);
    expect(nested.relativeError).toBeLessThan(plain.relativeError * 1.01);
  });

  it('fp4 with double quant restores scales within the map error', () => {
    const values = randn(16 * 64, 19);
    const plain = quantizeValues(values, [16, 64], { type: 'fp4' });
    const nested = quantizeValues(values, [16, 64], { type: 'fp4', doubleQuant: true });
    nested.quantized.scale.forEach((s, b) => {
      expect(Math.abs(s - plain.quantized.scale[b])).toBeLessThan(0.01 * s);
    });
    expect(nested.sizeBytes).toBeLessThan(plain.sizeBytes);
  });
});
