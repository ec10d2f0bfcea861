import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isLowbitError, testDataPath } from '@lowbit/core-tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdx } from './idx';
import { loadImageClassification } from './image-classification';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-idx-'));
const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
const t10kImages = testDataPath('t10k-images-idx3-ubyte.gz', FASHION_MNIST);
const t10kLabels = testDataPath('t10k-labels-idx1-ubyte.gz', FASHION_MNIST);

/** An IDX file: magic 0x0000 | type | rank, big-endian uint32 dims, then the body. */
function idxBytes(type: number, dims: number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(type, 2);
  header.writeUInt8(dims.length, 3);
  for (const [i, d] of dims.entries()) header.writeUInt32BE(d, 4 + 4 * i);
  return Buffer.concat([header, body]);
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function errorCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isLowbitError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('readIdx', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads plain and gzipped uint8 arrays', () => {
    const bytes = idxBytes(0x08, [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 255));
    for (const path of [write('a.idx', bytes), write('a.idx.gz', gzipSync(bytes))]) {
      const { dims, data } = readIdx(path);
      expect(dims).toEqual([2, 3]);
      expect(data).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 255));
    }
  });

  it('reads big-endian int32 and float32 arrays', () => {
    const ints = Buffer.alloc(8);
    ints.writeInt32BE(-7, 0);
    ints.writeInt32BE(1 << 20, 4);
    expect(readIdx(write('i.idx', idxBytes(0x0c, [2], ints))).data).toEqual(Int32Array.of(-7, 1 << 20));
    const floats = Buffer.alloc(4);
    floats.writeFloatBE(1.5, 0);
    expect(readIdx(write('f.idx', idxBytes(0x0d, [1], floats))).data).toEqual(Float32Array.of(1.5));
  });

  it('rejects a bad magic number, an unknown type, a truncated or an overlong body as BAD_FILE', () => {
    const good = idxBytes(0x08, [2, 3], new Uint8Array(6));
    const badMagic = Buffer.from(good);
    badMagic[0] = 0x42;
    expect(errorCode(() => readIdx(write('magic.idx', badMagic)))).toBe('BAD_FILE');
    expect(errorCode(() => readIdx(write('type.idx', idxBytes(0x07, [2], new Uint8Array(2)))))).toBe(
      'BAD_FILE',
    );
    expect(errorCode(() => readIdx(write('short.idx', good.subarray(0, good.length - 1))))).toBe('BAD_FILE');
    expect(errorCode(() => readIdx(write('header.idx', good.subarray(0, 6))))).toBe('BAD_FILE');
    expect(errorCode(() => readIdx(write('long.idx', Buffer.concat([good, Buffer.of(0)]))))).toBe('BAD_FILE');
    const gz = gzipSync(good);
    expect(errorCode(() => readIdx(write('short.gz', gz.subarray(0, gz.length - 10))))).toBe('BAD_FILE');
  });

  it('reports a missing file as MISSING_FILE', () => {
    expect(errorCode(() => readIdx(join(dir, 'absent.idx')))).toBe('MISSING_FILE');
  });
});

describe.skipIf(!t10kImages || !t10kLabels)("Debian's Fashion-MNIST t10k", () => {
  it('loads 10,000 labelled 28×28 images scaled to [0, 1]', () => {
    const data = loadImageClassification(t10kImages!, t10kLabels!);
    expect(data.shape).toEqual([10_000, 1, 28, 28]);
    expect(data.images.length).toBe(10_000 * 784);
    expect(Math.max(...data.images.subarray(0, 784))).toBeLessThanOrEqual(1);
    expect(data.images.some((v) => v === 1)).toBe(true);
    const perClass = new Array(10).fill(0);
    for (const label of data.labels) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
  });

  it('honours limit and refuses mismatched files', () => {
    const data = loadImageClassification(t10kImages!, t10kLabels!, { limit: 5 });
    expect(data.shape).toEqual([5, 1, 28, 28]);
    expect(data.labels.length).toBe(5);
    expect(errorCode(() => loadImageClassification(t10kLabels!, t10kLabels!))).toBe('BAD_FILE');
    expect(errorCode(() => loadImageClassification(t10kImages!, t10kLabels!, { limit: 0 }))).toBe('BAD_ARGS');
  });
});
