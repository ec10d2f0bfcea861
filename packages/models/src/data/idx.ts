import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LowbitError } from '@lowbit/core-tensor';

/** An IDX array (the MNIST file format): its dimensions and row-major values. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

type IdxData = IdxArray['data'];

/** IDX type codes (third magic byte) → element size and a big-endian reader. */
const IDX_TYPES: Record<number, { bytes: number; read: (view: DataView, count: number) => IdxData }> = {
  8: { bytes: 1, read: (v, n) => new Uint8Array(v.buffer, v.byteOffset, n).slice() },
  9: { bytes: 1, read: (v, n) => new Int8Array(v.buffer, v.byteOffset, n).slice() },
  11: { bytes: 2, read: (v, n) => Int16Array.from({ length: n }, (_, i) => v.getInt16(2 * i)) },
  12: { bytes: 4, read: (v, n) => Int32Array.from({ length: n }, (_, i) => v.getInt32(4 * i)) },
  13: { bytes: 4, read: (v, n) => Float32Array.from({ length: n }, (_, i) => v.getFloat32(4 * i)) },
  14: { bytes: 8, read: (v, n) => Float64Array.from({ length: n }, (_, i) => v.getFloat64(8 * i)) },
};

const GZIP_MAGIC = [0x1f, 0x8b];

function badIdx(path: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `${path} is not a valid IDX file: ${problem}. Re-download it (e.g. Debian's dataset-fashion-mnist) and check it is complete.`,
    { path },
  );
}

function readBytes(path: string): Buffer {
  if (!existsSync(path)) throw new LowbitError('MISSING_FILE', `IDX file ${path} not found.`, { path });
  const raw = readFileSync(path);
  if (raw[0] !== GZIP_MAGIC[0] || raw[1] !== GZIP_MAGIC[1]) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw badIdx(path, `gzip stream is corrupt (${(e as Error).message})`);
  }
}

/** Reads an IDX file, gzipped or not; the header must match the size exactly. */
export function readIdx(path: string): IdxArray {
  const bytes = readBytes(path);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw badIdx(path, 'bad magic number');
  const type = IDX_TYPES[bytes[2]];
  if (!type) throw badIdx(path, `unknown element type 0x${bytes[2].toString(16)}`);
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerBytes) throw badIdx(path, `header of rank ${rank} is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    throw badIdx(path, `dims [${dims}] need ${expected} bytes but it holds ${bytes.length}`);
  }
  const body = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, count * type.bytes);
  return { dims, data: type.read(body, count) };
}
