import { readSync } from 'node:fs';
import { LowbitError, writeAll } from '@lowbit/core-tensor';

// Binary formats here are little-endian, as every host Node runs lowbit on.

function bytesOf(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Fills `bytes` from `fd` at byte `position`. */
export function readBytesAt(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new LowbitError('BAD_FILE', `Unexpected end of file at byte ${position + done}.`);
    done += n;
  }
}

/** Fills `array` from `fd` at byte `position`. */
export function readFloats(fd: number, array: Float32Array, position: number): void {
  readBytesAt(fd, bytesOf(array), position);
}

export function writeFloats(fd: number, array: Float32Array): void {
  writeAll(fd, bytesOf(array));
}
