import { LowbitError } from '@lowbit/core-tensor';
import { readBytes } from '../text/files';
import { writeBytes, writeFileAtomic, writeFloats } from './binary-io';

/** The dtypes lowbit reads (converted to float32); it writes F32. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** safetensors' own limit on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export interface SafetensorsTensor {
  /** The stored dtype; `data` is float32 whatever it was. */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A float32 tensor to write. */
export interface Float32Entry {
  shape: readonly number[];
  data: Float32Array;
}

interface RawEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function bad(source: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `${source}: ${problem}. Re-export the file with the safetensors library.`,
  );
}

function isNonNegativeInteger(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function parseEntry(name: string, value: unknown, source: string): RawEntry {
  const { dtype, shape, data_offsets: offsets } = (value ?? {}) as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw bad(source, `tensor "${name}" has dtype ${JSON.stringify(dtype)}; lowbit reads F32, F16 and BF16`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw bad(source, `tensor "${name}" has shape ${JSON.stringify(shape)}; expected non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isNonNegativeInteger) ||
    offsets[0] > offsets[1]
  ) {
    throw bad(
      source,
      `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with begin ≤ end`,
    );
  }
  const [begin, end] = offsets as number[];
  const bytes = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (end - begin !== bytes) {
    throw bad(source, `tensor "${name}" spans ${end - begin} bytes but ${dtype} [${shape}] needs ${bytes}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape, begin, end };
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  const valid = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!valid || !Object.values(value).every((v) => typeof v === 'string')) {
    throw bad(source, `${METADATA_KEY} must map strings to strings`);
  }
  return value as Record<string, string>;
}

/** Entries must tile the data buffer exactly: in order, without overlap, gap or trailing bytes. */
function checkLayout(entries: RawEntry[], dataBytes: number, source: string): void {
  let expected = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.begin < expected)
      throw bad(
        source,
        `tensor "${e.name}" overlaps the previous tensor (data_offsets ${e.begin}..${e.end})`,
      );
    if (e.begin > expected)
      throw bad(source, `a gap of ${e.begin - expected} bytes precedes tensor "${e.name}"`);
    if (e.end > dataBytes) {
      throw bad(
        source,
        `tensor "${e.name}" ends at byte ${e.end} of a ${dataBytes}-byte data section: the file is truncated or its offsets are out of range`,
      );
    }
    expected = e.end;
  }
  if (expected !== dataBytes) throw bad(source, `${dataBytes - expected} bytes follow the last tensor`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The entry's values as float32: a view when F32 and aligned, else a converted copy. */
function toFloat32(bytes: Uint8Array, start: number, entry: RawEntry): Float32Array {
  const count = (entry.end - entry.begin) / DTYPE_BYTES[entry.dtype];
  const offset = bytes.byteOffset + start;
  if (entry.dtype === 'F32') {
    if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
    return new Float32Array(bytes.buffer.slice(offset, offset + 4 * count));
  }
  const view = new DataView(bytes.buffer, offset, 2 * count);
  const out = new Float32Array(count);
  if (entry.dtype === 'F16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

function parseHeader(
  bytes: Uint8Array,
  source: string,
): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8)
    throw bad(source, `only ${bytes.length} bytes, shorter than the 8-byte header length`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES))
    throw bad(source, `the header claims ${length} bytes, above safetensors' limit of ${MAX_HEADER_BYTES}`);
  const dataStart = 8 + Number(length);
  if (dataStart > bytes.length)
    throw bad(source, `the header claims ${length} bytes but the file has ${bytes.length}: truncated`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw bad(source, `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw bad(source, 'the header is not a JSON object');
  return { header: header as Record<string, unknown>, dataStart };
}

/** Parses safetensors bytes strictly; malformed input throws BAD_FILE naming the problem. */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const { header, dataStart } = parseHeader(bytes, source);
  const { [METADATA_KEY]: metadata, ...entries } = header;
  const raw = Object.entries(entries).map(([name, value]) => parseEntry(name, value, source));
  checkLayout(raw, bytes.length - dataStart, source);
  const tensors = new Map(
    raw.map(
      (e) =>
        [e.name, { dtype: e.dtype, shape: e.shape, data: toFloat32(bytes, dataStart + e.begin, e) }] as const,
    ),
  );
  return { tensors, metadata: metadata === undefined ? {} : parseMetadata(metadata, source) };
}

/** Reads a .safetensors file (MISSING_FILE when absent). */
export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readBytes(path, 'safetensors file'), path);
}

/** Writes float32 tensors as .safetensors (header padded to 8 bytes; temp file, then rename). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Float32Entry>,
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { [METADATA_KEY]: metadata } : {};
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (name === METADATA_KEY || count !== data.length) {
      throw new LowbitError(
        'BAD_ARGS',
        `Tensor "${name}": shape [${shape}] has ${count} values, data ${data.length}; names must not be ${METADATA_KEY}.`,
      );
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  writeFileAtomic(path, (fd) => {
    writeBytes(fd, length);
    writeBytes(fd, headerBytes);
    for (const { data } of tensors.values()) writeFloats(fd, data);
  });
}
