import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@lowbit/core-tensor';
import { loadLlama2c, saveHfLlama, saveLayersModelToDir } from '@lowbit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cnnFiles, llamaFiles, lowbit, tableValue } from './test-support/lowbit';

const llama = llamaFiles();
const cnn = cnnFiles();
const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-formats-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!llama)('an HF llama folder', () => {
  const hf = join(dir, 'stories260K-hf');
  const out = join(dir, 'hf-w4');

  beforeAll(() => saveHfLlama(loadLlama2c(llama!.model), hf));

  it('quantizes and evaluates like the llama2.c checkpoint it was converted from', async () => {
    const { tokenizer, valid } = llama!;
    const args = ['--group-size', '32', '--tokenizer', tokenizer, '--eval-data', valid, '--limit', '4'];
    const [fromHf, fromBin] = await Promise.all([
      lowbit(['quantize', hf, ...args, '--out', out]),
      lowbit(['quantize', llama!.model, ...args, '--out', join(dir, 'bin-w4')]),
    ]);
    expect(fromHf.code, fromHf.stderr).toBe(0);
    for (const label of ['baseline', 'quantized']) {
      expect(tableValue(fromHf.stdout, label)).toMatch(/^perplexity \d/);
      expect(tableValue(fromHf.stdout, label)).toBe(tableValue(fromBin.stdout, label));
    }
    const inspect = await lowbit(['inspect', out]);
    expect(tableValue(inspect.stdout, 'base model')).toBe('hf (hf-llama)');
  });

  it('inspects config.json and the safetensors header', async () => {
    const run = await lowbit(['inspect', hf]);
    expect(run.code).toBe(0);
    expect(tableValue(run.stdout, 'num_key_value_heads')).toBe('4');
    expect(run.stdout).toMatch(/model\.layers\.4\.mlp\.down_proj\.weight +│ F32 +│ \[64, 172\]/);
  });
});

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

describe.skipIf(!cnn)('a tfjs-layers model (NHWC input)', () => {
  const source = join(dir, 'tfjs-cnn');
  const out = join(dir, 'tfjs-w4');

  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: seeded(1),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, kernelInitializer: seeded(2) }),
      ],
    });
    await saveLayersModelToDir(model, source);
    model.dispose();
  });

  it('quantizes, evaluates and reloads it, images reshaped to the model input', async () => {
    const data = ['--eval-data', cnn!.images, '--limit', '300'];
    const run = await lowbit([
      'quantize',
      join(source, 'model.json'),
      '--bits',
      '4',
      '--group-size',
      '9',
      ...data,
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/│ conv2d_\w+\/kernel +│ conv2d │ \[4, 1, 3, 3\] │ int4 group 9/);
    const quantized = tableValue(run.stdout, 'quantized');
    expect(quantized).toMatch(/^top-1 [\d.]+ % \(\d+\/300\)$/);
    const reloaded = await lowbit(['eval', out, '--data', cnn!.images, '--limit', '300']);
    expect(tableValue(reloaded.stdout, 'quantized')).toBe(quantized);
  });

  it('inspects model.json: layers and weights', async () => {
    const run = await lowbit(['inspect', source]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tfjs layers model');
    expect(run.stdout).toMatch(/│ Dense +│ dense_\w+ +│ 10/);
  });
});
