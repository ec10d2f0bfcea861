import { describe, expect, it } from 'vitest';
import {
  equalizationScales,
  inputChannelRanges,
  outputChannelRanges,
  scaleInputChannels,
} from './equalize-math';

describe('cross-layer equalization math', () => {
  it('equalizes a hand-worked 2-channel pair so both ranges become √(r1·r2)', () => {
    const w1 = Float32Array.of(4, -1, 0.5, 0.25); // [2 out, 2 in]
    const w2 = Float32Array.of(1, 2, -0.5, 8); // [2 out, 2 in]
    const r1 = outputChannelRanges(w1, 2);
    const r2 = inputChannelRanges(w2, [2, 2], 2);
    expect(Array.from(r1)).toEqual([4, 0.5]);
    expect(Array.from(r2)).toEqual([1, 8]);
    const s = equalizationScales(r1, r2);
    expect(Array.from(s)).toEqual([2, 0.25]); // √(4/1), √(0.5/8)
    const scaled1 = w1.map((w, i) => w / s[Math.floor(i / 2)]);
    const scaled2 = scaleInputChannels(w2, [2, 2], s);
    expect(Array.from(scaled1)).toEqual([2, -0.5, 2, 1]);
    expect(Array.from(scaled2)).toEqual([2, 0.5, -1, 2]);
    expect(Array.from(outputChannelRanges(scaled1, 2))).toEqual([2, 2]);
    expect(Array.from(inputChannelRanges(scaled2, [2, 2], 2))).toEqual([2, 2]);
  });

  it('reads conv input channels over the kernel window of every output', () => {
    // [out 2, in 2, 1, 2]: input channel 0 holds elements 0, 1, 4, 5.
    const w = Float32Array.of(1, -3, 2, 0.5, 0.25, 0.5, -6, 1);
    expect(Array.from(inputChannelRanges(w, [2, 2, 1, 2], 2))).toEqual([3, 6]);
    expect(Array.from(scaleInputChannels(w, [2, 2, 1, 2], Float32Array.of(2, 10)))).toEqual([
      2, -6, 20, 5, 0.5, 1, -60, 10,
    ]);
  });

  it('leaves channels with a zero range unscaled', () => {
    const s = equalizationScales(Float32Array.of(0, 2, 3), Float32Array.of(1, 0, 12));
    expect(Array.from(s)).toEqual([1, 1, 0.5]);
  });
});
