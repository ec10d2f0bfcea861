/**
 * Cross-layer equalization math (Nagel et al., 2019, §3.2) on row-major Float32Arrays. A pair is
 * y = f(W1 x + b1), z = W2 y with f positive-homogeneous (ReLU, max-pool): f(x/s) = f(x)/s for
 * s > 0. Dividing output channel i of layer 1 by s[i] and multiplying input channel i of layer 2
 * by s[i] leaves z unchanged.
 */

/** r1[i] = max |W1[i, ...]|: the range of each output channel of a weight with `channels` rows. */
export function outputChannelRanges(weight: Float32Array, channels: number): Float32Array {
  const ranges = new Float32Array(channels);
  const row = weight.length / channels;
  for (let i = 0; i < weight.length; i++) {
    const c = Math.floor(i / row);
    ranges[c] = Math.max(ranges[c], Math.abs(weight[i]));
  }
  return ranges;
}

/**
 * The input channel of each element of a row-major weight whose inputs per output are `channels`
 * blocks of consecutive elements: conv [out, in, kh, kw] (blocks of kh·kw), linear [out, in].
 */
export function inputChannelOf(shape: readonly number[], channels: number): (index: number) => number {
  const perOutput = shape.slice(1).reduce((a, b) => a * b, 1);
  const inner = perOutput / channels;
  return (index) => Math.floor((index % perOutput) / inner);
}

/** r2[i] = max |W2[:, i, ...]| over every output and every element of input channel i. */
export function inputChannelRanges(
  weight: Float32Array,
  shape: readonly number[],
  channels: number,
): Float32Array {
  const ranges = new Float32Array(channels);
  const channelOf = inputChannelOf(shape, channels);
  for (let i = 0; i < weight.length; i++) {
    const c = channelOf(i);
    ranges[c] = Math.max(ranges[c], Math.abs(weight[i]));
  }
  return ranges;
}

/**
 * s[i] = √(r1[i] / r2[i]) = √(r1[i]·r2[i]) / r2[i], so that after W1[i] /= s[i] and W2[:, i] *= s[i]
 * both ranges equal √(r1[i]·r2[i]). A zero (or non-finite) range on either side gives s = 1.
 */
export function equalizationScales(r1: Float32Array, r2: Float32Array): Float32Array {
  return r1.map((a, i) => {
    const s = Math.sqrt(a / r2[i]);
    return a > 0 && r2[i] > 0 && Number.isFinite(s) ? s : 1;
  });
}

/** W2 with input channel i multiplied by s[i]. */
export function scaleInputChannels(
  weight: Float32Array,
  shape: readonly number[],
  s: Float32Array,
): Float32Array {
  const channelOf = inputChannelOf(shape, s.length);
  return weight.map((w, i) => w * s[channelOf(i)]);
}
