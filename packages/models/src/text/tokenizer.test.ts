import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDataPath } from '@lowbit/core-tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextLines } from './files';
import { expectError } from './test-support/expect-error';
import { llama2cEncoder } from './test-support/llama2c-encode';
import { tinyTokenizer } from './test-support/tiny-tokenizer';
import { BOS_ID, EOS_ID, loadTokenizer } from './tokenizer';

const tokPath = testDataPath('llm/tok512.bin');
const validPath = testDataPath('text/tinystories-valid.txt');

describe('Tokenizer on a hand-made vocabulary', () => {
  const tokenizer = tinyTokenizer();

  it('merges the best-scoring pair first, leftmost on ties', () => {
    // " abab": a+b → ab (−3) twice, leftmost first; then " "+ab → " ab" (−4) beats ab+ab → abab (−5).
    expect(tokenizer.encode('abab')).toEqual([BOS_ID, 263, 262]);
    expect(tokenizer.encode('abab', { bos: false, eos: true })).toEqual([263, 262, EOS_ID]);
  });

  it('falls back to byte tokens (byte + 3) for codepoints outside the vocabulary', () => {
    // "é" is U+00E9 = C3 A9 in UTF-8.
    expect(tokenizer.encode('aé', { bos: false })).toEqual([259, 260, 0xc3 + 3, 0xa9 + 3]);
    expect(tokenizer.decode([BOS_ID, 259, 260, 0xc3 + 3, 0xa9 + 3])).toBe('aé');
  });

  it('encodes empty text without the dummy prefix', () => {
    expect(tokenizer.encode('')).toEqual([BOS_ID]);
  });

  it('keeps the leading space unless the piece follows BOS', () => {
    expect(tokenizer.decode([263, 262])).toBe(' abab');
    expect(tokenizer.decode([BOS_ID, 263, 262, EOS_ID])).toBe('abab');
  });

  it('rejects token ids outside the vocabulary', () => {
    expectError(() => tokenizer.decode([9999]), 'BAD_ARGS', /9999.*\[0, 265\)/);
  });
});

describe('tok512 (llama2.c tokenizer of stories260K)', () => {
  it.skipIf(!tokPath)('encodes exactly as llama2.c', () => {
    const tokenizer = loadTokenizer(tokPath!);
    const reference = llama2cEncoder(tokPath!);
    // "outside": ou (−18) and id (−33) merge before ou+t → out (−149); " "+out is no piece.
    expect(tokenizer.encode('outside', { bos: false })).toEqual([410, 408, 419, 292, 411]);
    const samples = [
      'Once upon a time, there was a little girl named Lily.',
      'naïve café ☕ 𝄞 tabs\tand  spaces',
      'x',
    ];
    for (const text of samples)
      expect(tokenizer.encode(text, { bos: true, eos: true })).toEqual(reference(text, true, true));
  });

  it.skipIf(!tokPath || !validPath)('matches the llama2.c loop and round-trips the validation text', () => {
    const tokenizer = loadTokenizer(tokPath!, { vocabSize: 512 });
    const reference = llama2cEncoder(tokPath!);
    const lines = readTextLines(validPath!);
    for (const line of lines.slice(0, 3))
      expect(tokenizer.encode(line)).toEqual(reference(line, true, false));
    for (const line of lines) expect(tokenizer.decode(tokenizer.encode(line))).toBe(line);
  });
});

describe('loadTokenizer rejects bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-tok-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file is MISSING_FILE', () => {
    expectError(() => loadTokenizer(join(dir, 'absent.bin')), 'MISSING_FILE', /absent\.bin/);
  });

  it.skipIf(!tokPath)('a truncated file is BAD_FILE', () => {
    const path = join(dir, 'truncated.bin');
    writeFileSync(path, readFileSync(tokPath!).subarray(0, 3001));
    expectError(() => loadTokenizer(path), 'BAD_FILE', /truncated or malformed/);
  });

  it.skipIf(!tokPath)('a vocabulary size other than the model’s is BAD_ARGS naming both', () => {
    expectError(() => loadTokenizer(tokPath!, { vocabSize: 32000 }), 'BAD_ARGS', /512 tokens.*32000/);
  });
});
