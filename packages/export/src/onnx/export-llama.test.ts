import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, isLowbitError, runRecipe, testDataPath } from '@lowbit/core-tensor';
import { type LlamaModel, loadTokenizer, perplexity, readTextLines, tokenWindows } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStories, quantizeActOrder, randomLlama, smallConfig, storiesPath } from '../test-support/models';
import { logitDifference, ortPerplexity } from '../test-support/onnx-eval';
import { exportLlamaOnnx, exportLlamaOnnxFloat } from './export-llama';
import { onnxInitializerBytes, onnxSizeRatio } from './size';

const tokPath = testDataPath('llm/tok512.bin');
const validPath = testDataPath('text/tinystories-valid.txt');

function quantized(bits: number, groupSize: number | 'channel' = 32, options = {}): LlamaModel {
  const model = loadStories();
  runRecipe(model, [rtn({ bits, groupSize, ...options })]);
  return model;
}

describe.skipIf(!storiesPath || !tokPath)('stories260K exported to ONNX and run by onnxruntime', () => {
  let dir: string;
  let sequences: number[][];
  let windows: Int32Array[];
  let lowbitW4Ppl: number | undefined;
  const w4Perplexity = () => {
    lowbitW4Ppl ??= perplexity(quantized(4), windows).ppl;
    return lowbitW4Ppl;
  };

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-'));
    const tokenizer = loadTokenizer(tokPath!, { vocabSize: 512 });
    const lines = validPath
      ? readTextLines(validPath)
      : ['Once upon a time, there was a little girl named Lily.'];
    windows = tokenWindows(lines, tokenizer, { seqLen: 512 });
    sequences = windows.slice(0, 3).map((w) => Array.from(w.subarray(0, 48)));
  });

  it('the float export reproduces lowbit FP32 logits', async () => {
    const model = loadStories();
    exportLlamaOnnxFloat(model, join(dir, 'fp32.onnx'));
    const difference = await logitDifference(model, join(dir, 'fp32.onnx'), sequences);
    console.log(`fp32 export: max |ORT − lowbit| logit difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-3);
  });

  it.skipIf(!validPath)(
    'RTN W4 g32 as MatMulNBits: logits within 1e-3 and perplexity within 0.5 % of lowbit',
    async () => {
      const model = quantized(4);
      const path = join(dir, 'w4.onnx');
      exportLlamaOnnx(model, path);
      const difference = await logitDifference(model, path, sequences);
      const ortPpl = await ortPerplexity(path, windows);
      const lowbitPpl = w4Perplexity();
      const gap = Math.abs(ortPpl - lowbitPpl) / lowbitPpl;
      console.log(
        `W4 g32: max logit difference ${difference.toExponential(2)}; ppl lowbit ${lowbitPpl.toFixed(4)} vs ORT ${ortPpl.toFixed(4)} (${(100 * gap).toFixed(4)} %)`,
      );
      expect(difference).toBeLessThan(1e-3);
      expect(gap).toBeLessThan(0.005);
      const nodes = onnxInitializerBytes(path);
      expect(nodes.has('model.layers.0.self_attn.q_proj.B')).toBe(true);
      expect(nodes.has('model.layers.0.self_attn.q_proj.weight_t')).toBe(false);
    },
  );

  it('the 4-bit decoder weights take ≤ 0.3× their fp32 export (embedding and classifier excluded)', () => {
    const ratio = onnxSizeRatio(join(dir, 'w4.onnx'), join(dir, 'fp32.onnx'));
    console.log(`size ratio W4 g32 / fp32 (decoder weights): ${ratio.toFixed(3)}`);
    expect(ratio).toBeLessThan(0.3);
  });

  it('exports and runs 2-, 4- and 8-bit, symmetric and asymmetric, grouped and per-channel', async () => {
    const cases = [
      { bits: 2, groupSize: 32 },
      { bits: 4, groupSize: 'channel' as const, symmetric: true },
      { bits: 8, groupSize: 64 },
      { bits: 4, groupSize: 64, symmetric: true, blockSize: 16 },
    ];
    for (const { bits, groupSize, blockSize, ...options } of cases) {
      const model = quantized(bits, groupSize, options);
      const path = join(dir, `case-${bits}-${groupSize}-${blockSize}.onnx`);
      exportLlamaOnnx(model, path, { blockSize });
      const difference = await logitDifference(model, path, sequences);
      console.log(
        `bits ${bits}, group ${groupSize}, ${JSON.stringify(options)}: max logit difference ${difference.toExponential(2)}`,
      );
      expect(difference).toBeLessThan(1e-3);
    }
  });

  it.skipIf(!validPath)(
    'accuracy_level 4 (int8 activations, the fast CPU path) keeps perplexity within 1 %',
    async () => {
      const model = quantized(4);
      const path = join(dir, 'w4-level4.onnx');
      exportLlamaOnnx(model, path, { accuracyLevel: 4 });
      const difference = await logitDifference(model, path, sequences);
      const ppl = await ortPerplexity(path, windows);
      const lowbitPpl = w4Perplexity();
      const gap = Math.abs(ppl - lowbitPpl) / lowbitPpl;
      console.log(
        `W4 g32, accuracy_level 4: max logit difference ${difference.toExponential(2)}; ppl ORT ${ppl.toFixed(4)} vs lowbit ${lowbitPpl.toFixed(4)} (${(100 * gap).toFixed(3)} %)`,
      );
      expect(gap).toBeLessThan(0.01);
    },
  );

  it('rejects bit widths and block sizes MatMulNBits cannot run, before writing anything', () => {
    const expectBadArgs = (f: () => void, pattern: RegExp) => {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isLowbitError(error, 'BAD_ARGS')).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };
    expectBadArgs(
      () => exportLlamaOnnx(quantized(3), join(dir, 'w3.onnx')),
      /3 bits.*supports 2, 4 or 8 bits; use --bits 4/,
    );
    const w4 = quantized(4);
    expectBadArgs(
      () => exportLlamaOnnx(w4, join(dir, 'b48.onnx'), { blockSize: 48 }),
      /block size 48.*power of two ≥ 16/,
    );
    expectBadArgs(
      () => exportLlamaOnnx(w4, join(dir, 'b8.onnx'), { blockSize: 8 }),
      /block size 8.*power of two ≥ 16/,
    );
    expectBadArgs(
      () => exportLlamaOnnx(w4, join(dir, 'level.onnx'), { accuracyLevel: 5 as 4 }),
      /accuracyLevel is 5/,
    );
    expect(readdirSync(dir).some((f) => /^(w3|b48|b8|level)/.test(f))).toBe(false);
  });

  it('writes external data on request, which onnxruntime loads, and never overwrites unless asked', async () => {
    const model = quantized(4);
    const path = join(dir, 'external.onnx');
    exportLlamaOnnx(model, path, { externalData: true });
    expect(existsSync(`${path}.data`)).toBe(true);
    expect(await logitDifference(model, path, sequences)).toBeLessThan(1e-3);
    let error: unknown;
    try {
      exportLlamaOnnx(model, path, { externalData: true });
    } catch (e) {
      error = e;
    }
    expect(isLowbitError(error, 'EXISTS')).toBe(true);
    exportLlamaOnnx(model, path, { overwrite: true });
    expect(await logitDifference(model, path, sequences)).toBeLessThan(1e-3);
  });
});

describe('random llamas exported to ONNX: act-order, untied and quantized classifiers', () => {
  const ids = [
    [1, 5, 9, 3, 22, 39, 0, 17, 8, 8, 30, 2],
    [4, 4, 4, 11, 12, 13, 35, 36, 1, 0, 25, 6],
  ];
  let dir: string;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-random-'));
  });

  it('act-order weights (g_idx) run through a column Gather and match lowbit', async () => {
    const model = randomLlama(smallConfig());
    quantizeActOrder(model, 4, 32);
    const path = join(dir, 'act-order.onnx');
    exportLlamaOnnx(model, path);
    expect(onnxInitializerBytes(path).has('model.layers.0.mlp.down_proj.input_order')).toBe(true);
    const difference = await logitDifference(model, path, ids);
    console.log(`act-order W4 g32: max logit difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-3);
  });

  for (const tiedEmbeddings of [false, true]) {
    it(`a quantized ${tiedEmbeddings ? 'tied' : 'separate'} classifier becomes MatMulNBits and matches lowbit`, async () => {
      const model = randomLlama(smallConfig({ tiedEmbeddings }), 3);
      runRecipe(model, [rtn({ bits: 4, groupSize: 16, includeOuter: true })]);
      const path = join(dir, `classifier-${tiedEmbeddings}.onnx`);
      exportLlamaOnnx(model, path);
      const names = onnxInitializerBytes(path);
      expect(names.has('lm_head.B')).toBe(true);
      expect(names.has('lm_head.weight')).toBe(false);
      expect(await logitDifference(model, path, ids)).toBeLessThan(1e-3);
      exportLlamaOnnxFloat(model, join(dir, `classifier-${tiedEmbeddings}-float.onnx`));
      expect(
        onnxInitializerBytes(join(dir, `classifier-${tiedEmbeddings}-float.onnx`)).has('lm_head.weight'),
      ).toBe(!tiedEmbeddings);
      expect(
        await logitDifference(model, join(dir, `classifier-${tiedEmbeddings}-float.onnx`), ids),
      ).toBeLessThan(1e-3);
    });
  }
});
