import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, testDataPath } from '@lowbit/core-tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../text/test-support/expect-error';
import { loadLlama2c, saveLlama2c } from './llama2c';
import { logitsOf } from './test-support/logits';
import { randomLlama, smallConfig } from './test-support/random-llama';

const binPath = testDataPath('llm/stories260K.bin');
const dir = mkdtempSync(join(tmpdir(), 'lowbit-llama2c-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const IDS = [
  [1, 5, 9, 2, 7, 3],
  [1, 8, 8, 6, 0, 4],
];

/** Writes `bytes` to a fresh file and returns its path. */
function fileOf(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A copy of stories260K with header field `index` set to `value`. */
function withHeaderField(index: number, value: number): Uint8Array {
  const bytes = Uint8Array.from(readFileSync(binPath!));
  new DataView(bytes.buffer).setInt32(4 * index, value, true);
  return bytes;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('llama2.c checkpoints', () => {
  it.skipIf(!binPath)('stories260K saves and reloads with identical weights and logits', () => {
    const model = loadLlama2c(binPath!);
    const path = join(dir, 'stories-copy.bin');
    saveLlama2c(model, path);
    const copy = loadLlama2c(path);
    expect(copy.config).toEqual(model.config);
    expect(copy.weights()).toEqual(model.weights());
    expect(logitsOf(copy, IDS)).toEqual(logitsOf(model, IDS));
    expect(readFileSync(path).length).toBe(readFileSync(binPath!).length);
  });

  it('keeps a separate classifier (negative vocab_size) and grouped-query shapes', () => {
    const model = randomLlama(smallConfig({ nKvHeads: 2 }), 3);
    const path = join(dir, 'separate.bin');
    saveLlama2c(model, path);
    expect(new DataView(readFileSync(path).buffer).getInt32(20, true)).toBe(-40);
    const copy = loadLlama2c(path);
    expect(copy.config).toEqual(model.config);
    expect(copy.outerTargets.map((t) => t.name)).toEqual(['tok_embeddings', 'output']);
    expect(logitsOf(copy, IDS)).toEqual(logitsOf(model, IDS));
  });

  it('refuses to save a model whose eps or RoPE base the format cannot hold', () => {
    const model = randomLlama(smallConfig({ ropeTheta: 500000 }));
    expectError(
      () => saveLlama2c(model, join(dir, 'theta.bin')),
      'BAD_ARGS',
      /rope theta 10000.*saveHfLlama/,
    );
  });
});

describe('loadLlama2c rejects bad files', () => {
  it('a missing file is MISSING_FILE', () => {
    expectError(() => loadLlama2c(join(dir, 'absent.bin')), 'MISSING_FILE', /absent\.bin/);
  });

  it('a file shorter than the header is BAD_FILE', () => {
    expectError(
      () => loadLlama2c(fileOf('tiny.bin', new Uint8Array(10))),
      'BAD_FILE',
      /shorter than the 28-byte header/,
    );
  });

  it.skipIf(!binPath)('a truncated file is BAD_FILE naming both sizes', () => {
    const path = fileOf('truncated.bin', readFileSync(binPath!).subarray(0, 500000));
    expectError(
      () => loadLlama2c(path),
      'BAD_FILE',
      /truncated.*needs 1056540 bytes but the file has 500000/,
    );
  });

  it.skipIf(!binPath)('header dims that disagree with the file size are BAD_FILE', () => {
    const longer = fileOf('longer.bin', Uint8Array.from([...readFileSync(binPath!), 0, 0, 0, 0]));
    expectError(
      () => loadLlama2c(longer),
      'BAD_FILE',
      /disagree with the file size.*1056540 bytes but the file has 1056544/,
    );
    const hidden = fileOf('hidden.bin', withHeaderField(1, 180));
    expectError(
      () => loadLlama2c(hidden),
      'BAD_FILE',
      /hidden_dim 180.*needs \d+ bytes but the file has 1056540/,
    );
  });

  it.skipIf(!binPath)('non-positive or inconsistent dims are BAD_FILE naming the field and the fix', () => {
    expectError(
      () => loadLlama2c(fileOf('layers.bin', withHeaderField(2, 0))),
      'BAD_FILE',
      /n_layers is 0.*export\.py/,
    );
    expectError(() => loadLlama2c(fileOf('seq.bin', withHeaderField(6, -1))), 'BAD_FILE', /seq_len is -1/);
    expectError(() => loadLlama2c(fileOf('vocab.bin', withHeaderField(5, 0))), 'BAD_FILE', /vocab_size is 0/);
    expectError(
      () => loadLlama2c(fileOf('heads.bin', withHeaderField(4, 3))),
      'BAD_FILE',
      /nHeads 8 is not a multiple of nKvHeads 3/,
    );
  });
});
