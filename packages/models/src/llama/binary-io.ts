import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';

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

/** Appends raw bytes to `fd`. */
export function writeBytes(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

export function writeFloats(fd: number, array: Float32Array): void {
  writeBytes(fd, bytesOf(array));
}

/**
 * Writes `path` through `write(fd)` into a temporary file beside it, then renames it into place:
 * readers never see a partial file, and a failed write leaves no output.
 */
export function writeFileAtomic(path: string, write: (fd: number) => void): void {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, 'wx');
  } catch (e) {
    throw new LowbitError(
      'MISSING_FILE',
      `Cannot create "${path}" (${(e as Error).message}); check that its folder exists and is writable.`,
    );
  }
  try {
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
