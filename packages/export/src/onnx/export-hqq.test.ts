// HQQ weights (real-valued zero points) exported as MatMulNBits with float zero_points, run by onnxruntime.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, isLowbitError, runRecipe, testDataPath } from '@lowbit/core-tensor';
import { hqq } from '@lowbit/hqq';
import { loadTokenizer, perplexity, readTextLines, tokenWindows } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStories, randomLlama, smallConfig, storiesPath } from '../test-support/models';
import { logitDifference, ortPerplexity, relativeGap } from '../test-support/onnx-eval';
import { exportLlamaOnnx } from './export-llama';
import { onnxInitializerBytes } from './size';

const tokPath = testDataPath('llm/tok512.bin');
const validPath = testDataPath('text/tinystories-valid.txt');

describe('HQQ exported as MatMulNBits with float zero points', () => {
  let dir: string;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-hqq-'));
  });

  it.skipIf(!storiesPath || !tokPath || !validPath)(
    'stories260K HQQ W4 g32: logits within 1e-3 and perplexity within 0.5 % of lowbit',
    async () => {
      const model = loadStories();
      runRecipe(model, [hqq({ bits: 4, groupSize: 32 })]);
      const path = join(dir, 'hqq-w4.onnx');
      exportLlamaOnnx(model, path);
      const tokenizer = loadTokenizer(tokPath!, { vocabSize: 512 });
      const windows = tokenWindows(readTextLines(validPath!), tokenizer, { seqLen: 512 });
      const sequences = windows.slice(0, 3).map((w) => Array.from(w.subarray(0, 48)));
      const difference = await logitDifference(model, path, sequences);
      const ortPpl = await ortPerplexity(path, windows);
      const lowbitPpl = perplexity(model, windows).ppl;
      const gap = relativeGap(ortPpl, lowbitPpl);
      console.log(
        `HQQ W4 g32: max logit difference ${difference.toExponential(2)}; ppl lowbit ${lowbitPpl.toFixed(4)} vs ORT ${ortPpl.toFixed(4)} (${(100 * gap).toFixed(4)} %)`,
      );
      expect(difference).toBeLessThan(1e-3);
      expect(gap).toBeLessThan(0.005);
      const names = onnxInitializerBytes(path);
      expect(names.has('model.layers.0.self_attn.q_proj.zero_points')).toBe(true);
    },
  );

  it.each([2, 4])('a random llama at HQQ W%i g32 matches lowbit', async (bits) => {
    const model = randomLlama(smallConfig());
    runRecipe(model, [hqq({ bits, groupSize: 32 })]);
    const path = join(dir, `random-hqq-w${bits}.onnx`);
    exportLlamaOnnx(model, path);
    const difference = await logitDifference(model, path, [[1, 5, 9, 3, 22, 39, 0, 17, 8, 8, 30, 2]]);
    console.log(`random llama HQQ W${bits} g32: max logit difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-3);
  });

  it('rejects 8-bit float zero points, which onnxruntime cannot run, before writing', () => {
    const model = randomLlama(smallConfig());
    runRecipe(model, [hqq({ bits: 8, groupSize: 32 })]);
    const path = join(dir, 'hqq-w8.onnx');
    let error: unknown;
    try {
      exportLlamaOnnx(model, path);
    } catch (e) {
      error = e;
    }
    expect(isLowbitError(error, 'BAD_ARGS')).toBe(true);
    expect((error as Error).message).toMatch(/float zero points \(HQQ\) at 8 bits.*re-quantize with bits 4/);
    expect(existsSync(path)).toBe(false);
  });
});
