import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, testDataPath } from '@lowbit/core-tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  float32Of,
  readSafetensors,
  type SafetensorsWriteEntry,
  writeSafetensors,
} from '../safetensors/safetensors';
import { expectError } from '../text/test-support/expect-error';
import { loadHfLlama, saveHfLlama } from './hf-llama';
import { loadLlama2c } from './llama2c';
import { logitsOf, relativeDifference } from './test-support/logits';
import { randomLlama, smallConfig } from './test-support/random-llama';
import { readHfReference, readLlama2cReference, referenceLogits } from './test-support/reference-llama';

const binPath = testDataPath('llm/stories260K.bin');
const root = mkdtempSync(join(tmpdir(), 'lowbit-hf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const IDS = [
  [1, 5, 9, 2, 7, 3, 30, 12],
  [1, 8, 8, 6, 0, 4, 39, 21],
];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A copy of the HF folder `from` whose config.json is changed by `edit`. */
function withConfig(from: string, name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const config = JSON.parse(readFileSync(join(from, 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(from, 'model.safetensors')));
  return dir;
}

describe('HF llama folders', () => {
  it.skipIf(!binPath)('stories260K → HF → lowbit gives identical weights and logits', () => {
    const model = loadLlama2c(binPath!);
    const dir = join(root, 'stories260K');
    saveHfLlama(model, dir);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 512,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    });
    const { tensors, metadata } = readSafetensors(join(dir, 'model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(2 + 5 * 9);
    expect(tensors.get('model.layers.4.self_attn.k_proj.weight')?.shape).toEqual([32, 64]);
    expect(tensors.has('lm_head.weight')).toBe(false);
    const copy = loadHfLlama(dir);
    expect(copy.name).toBe('stories260K');
    expect(copy.weights()).toEqual(model.weights());
    expect(logitsOf(copy, IDS)).toEqual(logitsOf(model, IDS));
  });

  it.skipIf(!binPath)("the saved folder, run with HF's rotate_half RoPE, gives llama2.c's logits", () => {
    const dir = join(root, 'stories-for-reference');
    saveHfLlama(loadLlama2c(binPath!), dir);
    const tokens = IDS[0];
    const hf = referenceLogits(readHfReference(dir), tokens).flatMap((row) => Array.from(row));
    const llama2c = referenceLogits(readLlama2cReference(binPath!), tokens).flatMap((row) => Array.from(row));
    expect(relativeDifference(hf, llama2c)).toBeLessThan(1e-6);
  });

  it('an untied grouped-query model round-trips with its lm_head', () => {
    const model = randomLlama(smallConfig({ nKvHeads: 2, normEps: 1e-6, ropeTheta: 500000 }), 4);
    const dir = join(root, 'untied');
    saveHfLlama(model, dir);
    expect(readSafetensors(join(dir, 'model.safetensors')).tensors.has('lm_head.weight')).toBe(true);
    const copy = loadHfLlama(dir);
    expect(copy.config).toEqual(model.config);
    expect(logitsOf(copy, IDS)).toEqual(logitsOf(model, IDS));
  });
});

describe('loadHfLlama rejects bad folders', () => {
  const good = join(root, 'good');
  beforeAll(() => saveHfLlama(randomLlama(smallConfig()), good));

  it('missing files are MISSING_FILE', () => {
    expectError(() => loadHfLlama(join(root, 'absent')), 'MISSING_FILE', /config\.json/);
    const noWeights = join(root, 'no-weights');
    mkdirSync(noWeights);
    writeFileSync(join(noWeights, 'config.json'), readFileSync(join(good, 'config.json')));
    expectError(() => loadHfLlama(noWeights), 'MISSING_FILE', /model\.safetensors/);
  });

  it('configs it cannot run are BAD_FILE', () => {
    const scaled = withConfig(good, 'scaled', (c) => {
      c.rope_scaling = { type: 'linear', factor: 2 };
    });
    expectError(() => loadHfLlama(scaled), 'BAD_FILE', /rope_scaling/);
    const heads = withConfig(good, 'heads', (c) => {
      c.num_key_value_heads = 3;
    });
    expectError(() => loadHfLlama(heads), 'BAD_FILE', /not a multiple of nKvHeads 3/);
    const missing = withConfig(good, 'missing-field', (c) => {
      delete c.hidden_size;
    });
    expectError(() => loadHfLlama(missing), 'BAD_FILE', /"hidden_size" is undefined/);
  });

  it('weights that disagree with config.json are BAD_FILE naming the tensor', () => {
    const bigger = withConfig(good, 'bigger', (c) => {
      c.intermediate_size = 32;
    });
    expectError(
      () => loadHfLlama(bigger),
      'BAD_FILE',
      /"model\.layers\.0\.mlp\.gate_proj\.weight" is \[24,16\], config\.json implies \[32,16\]/,
    );
    const { tensors } = readSafetensors(join(good, 'model.safetensors'));
    const edited = (name: string, edit: (t: Map<string, SafetensorsWriteEntry>) => void) => {
      const dir = withConfig(good, name, () => undefined);
      const copy = new Map([...tensors].map(([n, t]) => [n, { ...t, data: float32Of(t, n) }]));
      edit(copy);
      writeSafetensors(join(dir, 'model.safetensors'), copy);
      return dir;
    };
    const dropped = edited('dropped', (t) => t.delete('model.norm.weight'));
    expectError(() => loadHfLlama(dropped), 'BAD_FILE', /"model\.norm\.weight" is missing/);
    const extra = edited('extra', (t) =>
      t.set('model.layers.0.self_attn.q_proj.bias', { dtype: 'F32', shape: [1], data: new Float32Array(1) }),
    );
    expectError(
      () => loadHfLlama(extra),
      'BAD_FILE',
      /unexpected tensors model\.layers\.0\.self_attn\.q_proj\.bias/,
    );
  });
});
