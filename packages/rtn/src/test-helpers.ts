import { tf } from '@lowbit/core-tensor';
import { expect } from 'vitest';
import type { RtnConfigInput } from './config';
import { rtnQuantizeTensor } from './quantize-tensor';
import type { RtnResult } from './rtn-result';

/** The backends every numerical test runs on. */
export const BACKENDS = ['wasm', 'cpu'] as const;

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller), independent of any tfjs backend. */
export function randn(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Float32Array.from({ length: count }, () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  });
}

/** Runs RTN on a weight built from `values`, asserting that no tensor leaks. */
export function quantizeValues(
  values: ArrayLike<number>,
  shape: [number, number],
  config: RtnConfigInput,
  name = 'weight',
): RtnResult & { reconstruction: Float32Array } {
  const weight = tf.tensor2d(Float32Array.from(values), shape);
  const before = tf.memory().numTensors;
  const result = rtnQuantizeTensor(weight, config, name);
  expect(tf.memory().numTensors).toBe(before);
  weight.dispose();
  const reconstruction = result.quantized.dequantize();
  const data = reconstruction.dataSync() as Float32Array;
  reconstruction.dispose();
  return { ...result, reconstruction: data };
}

export { expectLowbitError } from '@lowbit/core-tensor/testing';
