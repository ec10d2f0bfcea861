/** Float32 `torch.linspace(start, end, steps)`. */
function linspace(start: number, end: number, steps: number): Float32Array {
  return Float32Array.from({ length: steps }, (_, i) => start + ((end - start) * i) / (steps - 1));
}

/**
 * bitsandbytes' `create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)`: the 8-bit
 * dynamic data type of Dettmers (2015). For exponent i = 0…6, the midpoints of 2^i equal steps of
 * [0.1, 1] scaled by 10^(i−6), with both signs; plus 0 and 1. 256 float32 values, ascending;
 * a code is an index into it.
 */
export function createDynamicMap(): Float32Array {
  const maxExponentBits = 7;
  const data: number[] = [0, 1];
  for (let i = 0; i < maxExponentBits; i++) {
    const boundaries = linspace(0.1, 1, 2 ** i + 1);
    const magnitude = 10 ** (i - (maxExponentBits - 1));
    for (let j = 0; j + 1 < boundaries.length; j++) {
      const mean = Math.fround((boundaries[j] + boundaries[j + 1]) / 2);
      data.push(magnitude * mean, -magnitude * mean);
    }
  }
  return Float32Array.from(data).sort();
}

/** Index of the value of ascending `map` nearest to v (the lower one on ties). */
export function nearestIndex(map: Float32Array, v: number): number {
  let lo = 0;
  let hi = map.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (map[mid] <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(v - map[lo]) <= Math.abs(map[hi] - v) ? lo : hi;
}
