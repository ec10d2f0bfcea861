import { initBackend, testDataPath, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTextLines } from '../text/files';
import { expectError } from '../text/test-support/expect-error';
import { tinyTokenizer } from '../text/test-support/tiny-tokenizer';
import { tokenWindows } from '../text/token-windows';
import { loadTokenizer, type Tokenizer } from '../text/tokenizer';
import { generate } from './generate';
import type { LlamaModel } from './llama-model';
import { loadLlama2c } from './llama2c';
import { perplexity } from './perplexity';
import { ropeAngles } from './rope';
import { relativeDifference } from './test-support/logits';
import { readLlama2cReference, referenceLogits, referenceNllSum } from './test-support/reference-llama';

const binPath = testDataPath('llm/stories260K.bin');
const tokPath = testDataPath('llm/tok512.bin');
const validPath = testDataPath('text/tinystories-valid.txt');
/** llama2.c's greedy output for stories260K from BOS (shared/README.md). */
const REFERENCE_TEXT =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.';

describe.skipIf(!binPath || !tokPath)('stories260K on wasm', () => {
  let model: LlamaModel;
  let tokenizer: Tokenizer;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const start = performance.now();
    model = loadLlama2c(binPath!);
    tokenizer = loadTokenizer(tokPath!, { vocabSize: model.config.vocabSize });
    console.log(`stories260K + tok512 loaded in ${(performance.now() - start).toFixed(1)} ms`);
  });

  it('reads the header and exposes llama2.c-named targets', () => {
    expect(model.config).toMatchObject({
      dim: 64,
      hiddenDim: 172,
      nLayers: 5,
      nHeads: 8,
      nKvHeads: 4,
      vocabSize: 512,
      seqLen: 512,
    });
    expect(model.config.tiedEmbeddings).toBe(true);
    expect(model.outerTargets.map((t) => [t.name, t.kind])).toEqual([['tok_embeddings', 'embedding']]);
    expect(model.blocks[4].targets.map((t) => `${t.name} [${t.shape}]`)).toEqual([
      'layers.4.attention.wq [64,64]',
      'layers.4.attention.wk [32,64]',
      'layers.4.attention.wv [32,64]',
      'layers.4.attention.wo [64,64]',
      'layers.4.feed_forward.w1 [172,64]',
      'layers.4.feed_forward.w2 [64,172]',
      'layers.4.feed_forward.w3 [172,64]',
    ]);
  });

  it('computes the RoPE angles the checkpoint stores as freq_cis', () => {
    const stored = readLlama2cReference(binPath!);
    const computed = ropeAngles(512, 8, 10000);
    expect(relativeDifference(computed.cos, stored.cos)).toBeLessThan(1e-4);
    expect(relativeDifference(computed.sin, stored.sin)).toBeLessThan(1e-4);
  });

  it("greedy generation from BOS reproduces llama2.c's reference text", () => {
    const before = tf.memory().numTensors;
    const start = performance.now();
    const { text, tokens } = generate(model, tokenizer, { steps: 60 });
    console.log(
      `generated ${tokens.length - 1} tokens in ${(performance.now() - start).toFixed(0)} ms: ${JSON.stringify(text)}`,
    );
    expect(tokens.length).toBe(61);
    expect(text.startsWith(REFERENCE_TEXT)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('its first 60 greedy tokens equal those of an independent float64 forward pass', () => {
    // The README's reference text ends after 44 tokens; beyond it, a plain-JS float64 llama2.c
    // forward pass (test-support/reference-llama.ts) is the independent check.
    const reference = readLlama2cReference(binPath!);
    const expected = [1];
    for (let step = 0; step < 60; step++) {
      const logits = referenceLogits(reference, expected).at(-1)!;
      expected.push(logits.indexOf(Math.max(...logits)));
    }
    expect(generate(model, tokenizer, { steps: 60 }).tokens).toEqual(expected);
  });

  it('samples reproducibly for a seed and continues a prompt', () => {
    const run = (seed: number) =>
      generate(model, tokenizer, { prompt: 'Tom had a dog', steps: 20, temperature: 0.8, seed });
    expect(run(3).tokens).toEqual(run(3).tokens);
    expect(run(3).tokens).not.toEqual(run(4).tokens);
    expect(run(3).text.startsWith('Tom had a dog')).toBe(true);
  });

  it('rejects a tokenizer of another vocabulary, naming both sizes', () => {
    expectError(
      () => generate(model, tinyTokenizer(), { steps: 1 }),
      'BAD_ARGS',
      /265 tokens.*vocabulary has 512/,
    );
  });

  it('rejects token batches that are not int32 ids within the vocabulary and seqLen', () => {
    const floats = tf.tensor2d([[1, 2]]);
    const outside = tf.tensor2d([[1, 512]], undefined, 'int32');
    const long = tf.zeros([1, 513], 'int32');
    expectError(() => model.embed(floats), 'BAD_TENSOR', /float32 \[1,2\]; expected int32/);
    expectError(() => model.embed(outside), 'BAD_TENSOR', /token id 512/);
    expectError(() => model.embed(long), 'BAD_TENSOR', /\[1,513\]/);
    tf.dispose([floats, outside, long]);
  });

  it.skipIf(!validPath)('per-token NLL matches an independent float64 forward pass', () => {
    const windows = tokenWindows(readTextLines(validPath!).slice(0, 2), tokenizer, { seqLen: 512 });
    const reference = readLlama2cReference(binPath!);
    for (const window of windows) {
      const expected = referenceNllSum(reference, Array.from(window)) / (window.length - 1);
      const { nll } = perplexity(model, [window]);
      expect(Math.abs(nll - expected) / expected).toBeLessThan(1e-3);
    }
  });

  it.skipIf(!validPath)('perplexity on tinystories-valid.txt is ≈ 5.2 (the reference protocol)', () => {
    const windows = tokenWindows(readTextLines(validPath!), tokenizer, { seqLen: model.config.seqLen });
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const start = performance.now();
    const result = perplexity(model, windows, { onProgress: (e) => progress.push(e.done) });
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `stories260K ppl ${result.ppl.toFixed(4)} (nll ${result.nll.toFixed(4)}, ${result.tokens} tokens, ${seconds.toFixed(1)} s)`,
    );
    expect(result.ppl).toBeGreaterThan(5.1);
    expect(result.ppl).toBeLessThan(5.3);
    expect(progress).toEqual(windows.map((_, i) => i + 1));
    expect(tf.memory().numTensors).toBe(before);
  });
});
