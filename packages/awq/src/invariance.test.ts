import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  forwardModel,
  initBackend,
  mulberry32,
  type QuantModel,
  testDataPath,
  tf,
} from '@lowbit/core-tensor';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldScales } from './fold';

function logits(model: QuantModel, ids: tf.Tensor): Float32Array {
  return tf.tidy(() => forwardModel(model, ids).dataSync() as Float32Array);
}

/** Folds scales drawn from [0.5, 2] through every mapping of every block. */
function foldRandomScales(model: QuantModel, seed: number): string[] {
  const random = mulberry32(seed);
  return model.blocks.flatMap((block) =>
    block.mappings.map((mapping) => {
      const balance = mapping.balance.map((name) => block.targets.find((t) => t.name === name)!);
      const s = Float32Array.from({ length: balance[0].shape[1] }, () => 2 ** (2 * random() - 1));
      foldScales(mapping, balance, s);
      return `${mapping.smooth} → ${mapping.balance.map((n) => n.split('.').pop()).join(',')}`;
    }),
  );
}

function expectUnchanged(model: QuantModel, vocab: number): void {
  const random = mulberry32(9);
  const ids = tf.tensor2d(
    Int32Array.from({ length: 2 * 24 }, () => Math.floor(random() * vocab)),
    [2, 24],
    'int32',
  );
  const before = logits(model, ids);
  const tensors = tf.memory().numTensors;
  const mappings = foldRandomScales(model, 5);
  expect(tf.memory().numTensors).toBe(tensors);
  const after = logits(model, ids);
  const scale = before.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const worst = after.reduce((m, v, i) => Math.max(m, Math.abs(v - before[i])), 0) / scale;
  console.log(
    `${model.name}: ${mappings.length} mappings folded, max |Δlogit| / max |logit| = ${worst.toExponential(2)}`,
  );
  expect(worst).toBeLessThan(1e-5);
  ids.dispose();
}

const storiesPath = testDataPath('llm/stories260K.bin');

describe('folding scales through the mappings on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.skipIf(!storiesPath)(
    'leaves the logits of stories260K unchanged (GQA: norm → q,k,v; norm → w1,w3; w3 → w2)',
    () => {
      const model = loadLlama2c(storiesPath!);
      expect(model.blocks[0].mappings.map((m) => m.smooth)).toEqual([
        'layers.0.attention_norm',
        'layers.0.ffn_norm',
        'layers.0.feed_forward.w3',
      ]);
      expectUnchanged(model, 512);
    },
  );

  it('leaves the logits of a synthetic multi-head llama unchanged, wv → wo included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awq-'));
    try {
      const path = join(dir, 'mha.bin');
      writeSyntheticLlama2c(path, {
        seed: 4,
        layers: 2,
        dim: 32,
        hidden: 48,
        heads: 4,
        vocab: 64,
        seqLen: 32,
      });
      const model = loadLlama2c(path);
      expect(model.blocks[1].mappings.map((m) => `${m.smooth} → ${m.balance.join(',')}`)).toContain(
        'layers.1.attention.wv → layers.1.attention.wo',
      );
      expectUnchanged(model, 64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
