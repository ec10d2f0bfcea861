import { LowbitError } from './errors';

export type PackBits = 2 | 3 | 4 | 8;
const PACK_BITS = [2, 3, 4, 8];

function checkBits(bits: number): asserts bits is PackBits {
  if (!PACK_BITS.includes(bits)) {
    throw new LowbitError('BAD_ARGS', `Cannot pack ${bits}-bit codes; packing supports 2, 3, 4 and 8 bits.`);
  }
}

function checkCodes(codes: ArrayLike<number>, bits: number): void {
  const max = 2 ** bits - 1;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!(c >= 0 && c <= max && Number.isInteger(c))) {
      throw new LowbitError(
        'BAD_ARGS',
        `Code ${c} at index ${i} does not fit in ${bits} unsigned bits; pack unsigned codes in [0, ${max}] (offset signed codes by 2^(bits-1)).`,
      );
    }
  }
}

/**
 * Packs unsigned codes LSB-first into 32-bit words: code i occupies bits [i·b, i·b + b) of the
 * little-endian bit stream, so 3-bit codes span word boundaries (the GPTQ qweight layout).
 */
export function packInt32(codes: ArrayLike<number>, bits: number): Int32Array {
  checkBits(bits);
  checkCodes(codes, bits);
  const words = new Uint32Array(Math.ceil((codes.length * bits) / 32));
  for (let i = 0; i < codes.length; i++) {
    const bit = i * bits;
    const word = bit >>> 5;
    const offset = bit & 31;
    words[word] |= codes[i] << offset;
    if (offset + bits > 32) words[word + 1] |= codes[i] >>> (32 - offset);
  }
  return new Int32Array(words.buffer);
}

/** Inverse of {@link packInt32}: the first `count` codes. */
export function unpackInt32(packed: Int32Array, bits: number, count: number): Int32Array {
  checkBits(bits);
  if (count * bits > packed.length * 32) {
    throw new LowbitError(
      'BAD_FILE',
      `Packed data holds ${packed.length} words, too few for ${count} ${bits}-bit codes.`,
    );
  }
  const words = new Uint32Array(packed.buffer, packed.byteOffset, packed.length);
  const mask = 2 ** bits - 1;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const bit = i * bits;
    const word = bit >>> 5;
    const offset = bit & 31;
    let v = words[word] >>> offset;
    if (offset + bits > 32) v |= words[word + 1] << (32 - offset);
    out[i] = v & mask;
  }
  return out;
}

/** Packs 4-bit codes two per byte, low nibble first (ONNX MatMulNBits / int4 tensors). */
export function packNibbles(codes: ArrayLike<number>): Uint8Array {
  checkCodes(codes, 4);
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) out[i >> 1] |= codes[i] << ((i & 1) * 4);
  return out;
}

/** Inverse of {@link packNibbles}: the first `count` codes. */
export function unpackNibbles(packed: Uint8Array, count: number): Uint8Array {
  if (count > packed.length * 2) {
    throw new LowbitError(
      'BAD_FILE',
      `Packed data holds ${packed.length} bytes, too few for ${count} 4-bit codes.`,
    );
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (packed[i >> 1] >> ((i & 1) * 4)) & 15;
  return out;
}
