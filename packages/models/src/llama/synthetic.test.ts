import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLlama2c } from './llama2c';
import { writeSyntheticLlama2c } from './synthetic';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-synthetic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeSyntheticLlama2c', () => {
  it('writes a loadable checkpoint of the requested shape, deterministic per seed', () => {
    const options = { layers: 2, dim: 32, hidden: 48, heads: 4, kvHeads: 2, vocab: 100, seqLen: 16, seed: 3 };
    const path = join(dir, 'a.bin');
    const { parameters, bytes } = writeSyntheticLlama2c(path, { ...options, separateClassifier: true });
    expect(statSync(path).size).toBe(bytes);
    const model = loadLlama2c(path);
    expect(model.config).toMatchObject({
      dim: 32,
      hiddenDim: 48,
      nLayers: 2,
      nHeads: 4,
      nKvHeads: 2,
      vocabSize: 100,
    });
    const perLayer = 2 * 32 + 32 * 32 * 2 + 2 * 16 * 32 + 3 * 48 * 32;
    expect(parameters).toBe(2 * 100 * 32 + 2 * perLayer + 32);
    writeSyntheticLlama2c(join(dir, 'b.bin'), { ...options, separateClassifier: true });
    expect(loadLlama2c(join(dir, 'b.bin')).weights().layers[1].linears.w2).toEqual(
      model.weights().layers[1].linears.w2,
    );
  });
});
