import { FLOAT32_EPS } from '@lowbit/core-tensor';
import { createDynamicMap, nearestIndex } from './dynamic-map';

/** Block size of the second-level quantization, as bitsandbytes' `quantize_blockwise(blocksize=256)`. */
export const DOUBLE_QUANT_BLOCK = 256;

/**
 * Block scales quantized a second time (bitsandbytes' nested quant state): scale ≈
 * map[codes[i]] · absmax[⌊i / blockSize⌋] + offset, with `map` = {@link createDynamicMap}.
 */
export interface DoubleQuantState {
  /** One 8-bit dynamic-map code per first-level block scale. */
  codes: Uint8Array;
  /** float32 absmax of (scale − offset) per block of `blockSize` scales. */
  absmax: Float32Array;
  /** The mean of all scales, subtracted before quantizing. */
  offset: number;
  blockSize: number;
}

const dynamicMap = createDynamicMap();

function mean(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return Math.fround(sum / values.length);
}

function blockAbsmax(centred: Float32Array, start: number, end: number): number {
  let absmax = 0;
  for (let i = start; i < end; i++) absmax = Math.max(absmax, Math.abs(centred[i]));
  return Math.max(absmax, FLOAT32_EPS);
}

/** Subtracts the mean of `scales`, then quantizes them blockwise to the 8-bit dynamic map. */
export function doubleQuantize(scales: Float32Array, blockSize = DOUBLE_QUANT_BLOCK): DoubleQuantState {
  const offset = mean(scales);
  const centred = scales.map((s) => s - offset);
  const absmax = new Float32Array(Math.ceil(scales.length / blockSize));
  const codes = new Uint8Array(scales.length);
  for (let b = 0; b < absmax.length; b++) {
    const start = b * blockSize;
    const end = Math.min(start + blockSize, scales.length);
    absmax[b] = blockAbsmax(centred, start, end);
    for (let i = start; i < end; i++) codes[i] = nearestIndex(dynamicMap, centred[i] / absmax[b]);
  }
  return { codes, absmax, offset, blockSize };
}

/** The scales a double-quantized state stands for (float32, as bitsandbytes computes them). */
export function dequantizeDoubleQuant(state: DoubleQuantState): Float32Array {
  return Float32Array.from(state.codes, (code, i) =>
    Math.fround(Math.fround(dynamicMap[code] * state.absmax[Math.floor(i / state.blockSize)]) + state.offset),
  );
}

/** Bytes of the state: one per code, float32 block absmax values and the float32 offset. */
export function doubleQuantSizeBytes(state: DoubleQuantState): number {
  return state.codes.length + 4 * state.absmax.length + 4;
}
