import { initBackend, mulberry32, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleCalibration } from './calibration';
import { expectError } from './test-support/expect-error';
import { tinyTokenizer } from './test-support/tiny-tokenizer';
import { tokenWindows } from './token-windows';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('tokenWindows', () => {
  const tokenizer = tinyTokenizer();
  // 'a a a a a a' encodes to BOS, then " " and "a" alternating: 13 tokens.
  const line = 'a a a a a a';

  it('scores each line on its own from BOS, truncated to seqLen + 1 tokens by default', () => {
    const all = tokenizer.encode(line);
    expect(all.length).toBe(13);
    const windows = tokenWindows([line, 'ab'], tokenizer, { seqLen: 5 });
    expect(windows.map((w) => Array.from(w))).toEqual([all.slice(0, 6), tokenizer.encode('ab')]);
  });

  it("'split' covers every token once, consecutive windows sharing a boundary token", () => {
    const all = tokenizer.encode(line);
    const windows = tokenWindows([line], tokenizer, { seqLen: 5, longLines: 'split' });
    expect(windows.map((w) => Array.from(w))).toEqual([all.slice(0, 6), all.slice(5, 11), all.slice(10, 13)]);
  });

  it('rejects a non-positive seqLen', () => {
    expect(() => tokenWindows([line], tokenizer, { seqLen: 0 })).toThrow(/seqLen is 0/);
  });
});

describe('sampleCalibration', () => {
  const stream = Int32Array.from({ length: 100 }, (_, i) => i);

  it('draws seeded windows of the stream as int32 [B, T] batches', () => {
    const before = tf.memory().numTensors;
    const batches = sampleCalibration(stream, { samples: 5, seqLen: 8, seed: 7, batchSize: 2 });
    expect(batches.map((b) => b.shape)).toEqual([
      [2, 8],
      [2, 8],
      [1, 8],
    ]);
    expect(batches.every((b) => b.dtype === 'int32')).toBe(true);
    for (const row of batches.flatMap((b) => b.arraySync() as number[][])) {
      expect(row).toEqual(Array.from({ length: 8 }, (_, t) => row[0] + t));
    }
    const again = sampleCalibration(stream, { samples: 5, seqLen: 8, seed: 7, batchSize: 2 });
    const other = sampleCalibration(stream, { samples: 5, seqLen: 8, seed: 8, batchSize: 2 });
    const values = (list: tf.Tensor[]) => list.map((b) => Array.from(b.dataSync()));
    expect(values(again)).toEqual(values(batches));
    expect(values(other)).not.toEqual(values(batches));
    tf.dispose([...batches, ...again, ...other]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('encodes text lines with BOS when given a tokenizer', () => {
    const tokenizer = tinyTokenizer();
    const [batch] = sampleCalibration(['ab ab', 'ab'], { samples: 1, seqLen: 5, seed: 1, tokenizer });
    expect(Array.from(batch.dataSync())).toEqual([...tokenizer.encode('ab ab'), ...tokenizer.encode('ab')]);
    batch.dispose();
  });

  it('rejects lines without a tokenizer and sources shorter than seqLen', () => {
    expectError(
      () => sampleCalibration(['text'], { samples: 1, seqLen: 2, seed: 0 }),
      'BAD_ARGS',
      /needs options\.tokenizer/,
    );
    expectError(
      () => sampleCalibration(stream, { samples: 1, seqLen: 101, seed: 0 }),
      'BAD_ARGS',
      /100 tokens, fewer than seqLen 101/,
    );
    expectError(
      () => sampleCalibration(stream, { samples: 0, seqLen: 2, seed: 0 }),
      'BAD_ARGS',
      /samples is 0/,
    );
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and roughly uniform on [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 10000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((s, v) => s + v, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});
