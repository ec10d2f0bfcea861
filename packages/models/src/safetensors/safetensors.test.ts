import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectError } from '../text/test-support/expect-error';
import {
  float32Of,
  int32Of,
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from './safetensors';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors byte string: 8-byte LE header length, the JSON header, then `data`. */
function build(header: unknown, data: number[] | Uint8Array = [], headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});

describe('safetensors', () => {
  it('writes F32 tensors and metadata that read back exactly, header padded to 8 bytes', () => {
    const path = join(dir, 'roundtrip.safetensors');
    const a = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) };
    const b = { shape: [1], data: Float32Array.of(42) };
    writeSafetensors(
      path,
      new Map([
        ['a', a],
        ['b.weight', b],
      ]),
      { format: 'pt' },
    );
    const bytes = readFileSync(path);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
    const file = readSafetensors(path);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['a', 'b.weight']);
    const stored = file.tensors.get('a')!;
    expect({ dtype: stored.dtype, shape: stored.shape }).toEqual({ dtype: 'F32', shape: [2, 3] });
    expect(float32Of(stored)).toEqual(a.data);
    expect(float32Of(file.tensors.get('b.weight')!)).toEqual(b.data);
  });

  it('reads F16 and BF16 as float32 (hand-encoded values)', () => {
    // F16: 0x3C00 = 1, 0xC000 = −2, 0x0001 = 2^−24 (subnormal), 0x7C00 = +∞. BF16: 0x3F80 = 1, 0xC0A0 = −5.
    const half = [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c];
    const brain = [0x80, 0x3f, 0xa0, 0xc0];
    const header = {
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
    };
    const { tensors } = parseSafetensors(build(header, [...half, ...brain]));
    expect(Array.from(float32Of(tensors.get('h')!))).toEqual([1, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(Array.from(float32Of(tensors.get('b')!))).toEqual([1, -5]);
  });

  it('reads F32 data that is unaligned inside a Node Buffer', () => {
    const path = join(dir, 'unaligned.safetensors');
    writeSafetensors(
      path,
      new Map([
        ['byte', { shape: [1], data: Uint8Array.of(7) }],
        ['x', { shape: [2], data: Float32Array.of(1.5, -2) }],
      ]),
    );
    expect(Array.from(float32Of(readSafetensors(path).tensors.get('x')!))).toEqual([1.5, -2]);
  });

  it('reads unaligned F32 data', () => {
    const header = ' '.repeat(1) + JSON.stringify({ x: f32([1], 0, 4) });
    const data = new Uint8Array(Float32Array.of(2.5).buffer);
    expect(Array.from(float32Of(parseSafetensors(build(header, data)).tensors.get('x')!))).toEqual([2.5]);
  });

  it('writes and reads integer dtypes, and reads the header alone', () => {
    const path = join(dir, 'ints.safetensors');
    const codes = Int32Array.of(-7, 0, 2 ** 31 - 1);
    const half = Uint16Array.of(0x3c00, 0xc000);
    writeSafetensors(
      path,
      new Map([
        ['codes', { shape: [3], data: codes }],
        ['bytes', { shape: [2], data: Uint8Array.of(1, 255) }],
        ['scale', { shape: [2], data: half, dtype: 'F16' as const }],
      ]),
    );
    const { tensors } = readSafetensors(path);
    expect(int32Of(tensors.get('codes')!)).toEqual(codes);
    expect(Array.from(int32Of(tensors.get('bytes')!))).toEqual([1, 255]);
    expect(Array.from(float32Of(tensors.get('scale')!))).toEqual([1, -2]);
    expect(() => int32Of(tensors.get('scale')!, 'scale')).toThrow(/not an integer type/);
    const { entries } = readSafetensorsHeader(path);
    expect(entries.map((e) => [e.name, e.dtype, e.end - e.begin])).toEqual([
      ['codes', 'I32', 12],
      ['bytes', 'U8', 2],
      ['scale', 'F16', 4],
    ]);
  });

  it('a missing file is MISSING_FILE', () => {
    expectError(() => readSafetensors(join(dir, 'absent.safetensors')), 'MISSING_FILE', /absent/);
  });

  it('rejects malformed files as BAD_FILE naming the problem', () => {
    const eight = new Array(8).fill(0);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /shorter than the 8-byte header length/],
      [build({}, [], 1n << 40n), /above safetensors' limit/],
      [build({}, [], 64n), /claims 64 bytes.*truncated/],
      [build('{"a": '), /not valid UTF-8 JSON/],
      [build('[1, 2]'), /not a JSON object/],
      [build({ x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, eight), /dtype "C64"/],
      [build({ x: f32([-1], 0, 4) }, eight.slice(4)), /shape \[-1\]/],
      [build({ x: f32([2], 8, 0) }, eight), /data_offsets \[8,0\]/],
      [build({ x: f32([3], 0, 8) }, eight), /spans 8 bytes but F32 \[3\] needs 12/],
      [build({ x: f32([2], 0, 8), y: f32([1], 4, 8) }, eight), /overlaps/],
      [build({ x: f32([1], 4, 8) }, eight), /gap of 4 bytes/],
      [build({ x: f32([2], 0, 8) }, eight.slice(4)), /ends at byte 8 of a 4-byte data section.*truncated/],
      [build({ x: f32([1], 0, 4) }, eight), /4 bytes follow the last tensor/],
      [build({ __metadata__: { n: 1 } }), /__metadata__ must map strings to strings/],
    ];
    for (const [bytes, pattern] of cases)
      expectError(() => parseSafetensors(bytes, 'case'), 'BAD_FILE', pattern);
  });

  it('refuses to write a tensor whose data does not fill its shape', () => {
    const tensors = new Map([['x', { shape: [3], data: new Float32Array(2) }]]);
    expectError(
      () => writeSafetensors(join(dir, 'bad.safetensors'), tensors),
      'BAD_ARGS',
      /F32 \[3\] needs 12 bytes, data has 8/,
    );
  });
});
