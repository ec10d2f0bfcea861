import { closeSync, fstatSync, openSync } from 'node:fs';
import {
  fromFloat16Bits,
  LowbitError,
  type OutputFile,
  writeAll,
  writeFilesAtomic,
} from '@lowbit/core-tensor';
import { readBytesAt } from '../llama/binary-io';
import { assertFileExists, readBytes } from '../text/files';

/** Element types lowbit reads and writes (safetensors' names). */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U16'
  | 'U8'
  | 'BOOL';
const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U16: 2,
  U8: 1,
  BOOL: 1,
};
/** safetensors' own limit on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The stored little-endian bytes (a view into the file's bytes). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A header entry: where a tensor's bytes lie in the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A tensor to write. `dtype` defaults from the array: Float32Array → F32, Int32Array → I32, Uint8Array → U8. */
export interface SafetensorsWriteEntry {
  shape: readonly number[];
  data: Float32Array | Int32Array | Uint8Array | Uint16Array;
  dtype?: SafetensorsDtype;
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

function parseEntry(name: string, value: unknown, source: string): SafetensorsEntry {
  const { dtype, shape, data_offsets: offsets } = (value ?? {}) as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw bad(
      source,
      `tensor "${name}" has dtype ${JSON.stringify(dtype)}; lowbit reads ${Object.keys(DTYPE_BYTES).join(', ')}`,
    );
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
function checkLayout(entries: SafetensorsEntry[], dataBytes: number, source: string): void {
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

/** A tensor's values as float32 (F32 is a view when aligned); integer types convert too. */
export function float32Of(tensor: SafetensorsTensor, name = 'tensor'): Float32Array {
  const { dtype, bytes } = tensor;
  const count = bytes.length / DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return new Float32Array(new Uint8Array(bytes).buffer); // a copy: Buffer.slice() would be a view
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === 'F16') for (let i = 0; i < count; i++) out[i] = fromFloat16Bits(view.getUint16(2 * i, true));
  else if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else if (dtype === 'F64') for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  else out.set(int32Of(tensor, name));
  return out;
}

/** A tensor's values as int32 (I64 must fit in 32 bits); float types are rejected. */
export function int32Of(tensor: SafetensorsTensor, name = 'tensor'): Int32Array {
  const { dtype, bytes } = tensor;
  const count = bytes.length / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: Partial<Record<SafetensorsDtype, (i: number) => number>> = {
    I32: (i) => view.getInt32(4 * i, true),
    I16: (i) => view.getInt16(2 * i, true),
    I8: (i) => view.getInt8(i),
    U16: (i) => view.getUint16(2 * i, true),
    U8: (i) => view.getUint8(i),
    BOOL: (i) => view.getUint8(i),
    I64: (i) => Number(view.getBigInt64(8 * i, true)),
  };
  const get = read[dtype];
  if (!get)
    throw new LowbitError(
      'BAD_FILE',
      `Tensor "${name}" is ${dtype}, not an integer type; read it as float32.`,
    );
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = get(i);
    if (v !== (v | 0))
      throw new LowbitError('BAD_FILE', `Tensor "${name}" holds ${v}, outside the int32 range.`);
    out[i] = v;
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
    raw.map((e) => {
      const tensorBytes = bytes.subarray(dataStart + e.begin, dataStart + e.end);
      return [e.name, { dtype: e.dtype, shape: e.shape, bytes: tensorBytes }] as const;
    }),
  );
  return { tensors, metadata: metadata === undefined ? {} : parseMetadata(metadata, source) };
}

/** Reads and validates only the header of a .safetensors file: entries (by offset) and metadata. */
export function readSafetensorsHeader(path: string): {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
} {
  assertFileExists(path, 'safetensors file');
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(8, fileBytes));
    readBytesAt(fd, prefix, 0);
    const length = prefix.length === 8 ? Number(new DataView(prefix.buffer).getBigUint64(0, true)) : 0;
    const head = new Uint8Array(Math.min(fileBytes, 8 + Math.min(length, MAX_HEADER_BYTES)));
    readBytesAt(fd, head, 0);
    const { header, dataStart } = parseHeader(head, path);
    const { [METADATA_KEY]: metadata, ...entries } = header;
    const parsed = Object.entries(entries).map(([name, value]) => parseEntry(name, value, path));
    checkLayout(parsed, fileBytes - dataStart, path);
    return {
      entries: parsed.sort((a, b) => a.begin - b.begin),
      metadata: metadata === undefined ? {} : parseMetadata(metadata, path),
    };
  } finally {
    closeSync(fd);
  }
}

/** Reads a .safetensors file (MISSING_FILE when absent). */
export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readBytes(path, 'safetensors file'), path);
}

function dtypeOf(name: string, entry: SafetensorsWriteEntry): SafetensorsDtype {
  if (entry.dtype) return entry.dtype;
  if (entry.data instanceof Float32Array) return 'F32';
  if (entry.data instanceof Int32Array) return 'I32';
  if (entry.data instanceof Uint8Array) return 'U8';
  throw new LowbitError('BAD_ARGS', `Tensor "${name}": give a dtype (F16 or BF16) for Uint16Array data.`);
}

/** The JSON header (padded to 8 bytes with spaces) for `tensors` stored in order. */
function headerBytes(
  tensors: ReadonlyMap<string, SafetensorsWriteEntry>,
  metadata: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { [METADATA_KEY]: metadata } : {};
  let offset = 0;
  for (const [name, entry] of tensors) {
    const dtype = dtypeOf(name, entry);
    const bytes = entry.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (name === METADATA_KEY || bytes !== entry.data.byteLength) {
      throw new LowbitError(
        'BAD_ARGS',
        `Tensor "${name}": ${dtype} [${entry.shape}] needs ${bytes} bytes, data has ${entry.data.byteLength}; names must not be ${METADATA_KEY}.`,
      );
    }
    header[name] = { dtype, shape: entry.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

/** The .safetensors file of `tensors`, in order, for writeFilesAtomic (the header is checked now). */
export function safetensorsOutput(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsWriteEntry>,
  metadata: Record<string, string> = {},
): OutputFile {
  const header = headerBytes(tensors, metadata);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(header.length), true);
  const fill = (fd: number) => {
    writeAll(fd, length);
    writeAll(fd, header);
    for (const { data } of tensors.values())
      writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };
  return { path, fill };
}

/** Writes tensors, in order, as .safetensors, replacing `path` (temp file, then rename: never a partial file). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsWriteEntry>,
  metadata: Record<string, string> = {},
): void {
  writeFilesAtomic([safetensorsOutput(path, tensors, metadata)], { overwrite: true });
}
