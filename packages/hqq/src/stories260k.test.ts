// Model-level check on real data: stories260K (llama2.c, 5 layers, dim 64) on tinystories-valid,
// FP32 vs RTN vs HQQ at the same group size, asymmetric. Runs on wasm only.
import { initBackend, type Modifier, runRecipe, testDataPath, tf } from '@lowbit/core-tensor';
import {
  type LlamaModel,
  loadLlama2c,
  loadTokenizer,
  perplexity,
  readTextLines,
  tokenWindows,
} from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hqq } from './hqq-modifier';

const binPath = testDataPath('llm/stories260K.bin');
const tokPath = testDataPath('llm/tok512.bin');
const validPath = testDataPath('text/tinystories-valid.txt');

interface Row {
  method: string;
  ppl: number;
  quantizeSeconds: number;
  meanRelativeError: number;
}

describe.skipIf(!binPath || !tokPath || !validPath)(
  'stories260K perplexity on tinystories-valid (wasm)',
  () => {
    let windows: Int32Array[];
    const rows: Row[] = [];

    /** Perplexity of a fresh copy of the model after `recipe`, with the quantization time and mean error. */
    function evaluate(method: string, recipe: Modifier[]): Row {
      const model: LlamaModel = loadLlama2c(binPath!);
      const started = performance.now();
      const reports = runRecipe(model, recipe);
      const quantizeSeconds = (performance.now() - started) / 1000;
      const targets = reports.flatMap((r) => r.targets);
      const meanRelativeError =
        targets.reduce((s, t) => s + (t.relativeError ?? 0), 0) / Math.max(targets.length, 1);
      const row = { method, ppl: perplexity(model, windows).ppl, quantizeSeconds, meanRelativeError };
      rows.push(row);
      return row;
    }

    beforeAll(async () => {
      await initBackend({ backend: 'wasm' });
      const tokenizer = loadTokenizer(tokPath!, { vocabSize: 512 });
      windows = tokenWindows(readTextLines(validPath!), tokenizer, { seqLen: 512 });
    });

    afterAll(() => {
      console.log(
        [
          '| method | ppl | quantize s | mean rel. error |',
          '| --- | --- | --- | --- |',
          ...rows.map(
            (r) =>
              `| ${r.method} | ${r.ppl.toFixed(4)} | ${r.quantizeSeconds.toFixed(2)} | ${r.meanRelativeError.toFixed(4)} |`,
          ),
        ].join('\n'),
      );
    });

    it.each([4, 3])(
      'HQQ beats RTN and its own min/max start at W%i g32 (asymmetric, along the input)',
      (bits) => {
        const before = tf.memory().numTensors;
        if (rows.length === 0) evaluate('FP32', []);
        const rtnRow = evaluate(`RTN W${bits} g32`, [rtn({ bits, groupSize: 32 })]);
        const minMaxRow = evaluate(`HQQ W${bits} g32, min/max (no solver)`, [
          hqq({ bits, groupSize: 32, optimize: false }),
        ]);
        const hqqRow = evaluate(`HQQ W${bits} g32`, [hqq({ bits, groupSize: 32 })]);
        expect(tf.memory().numTensors).toBe(before);
        expect(rows[0].ppl).toBeGreaterThan(5.1);
        expect(rows[0].ppl).toBeLessThan(5.3);
        expect(hqqRow.ppl).toBeLessThan(rtnRow.ppl);
        // The solver itself helps, beyond the real-valued zero point of its min/max start.
        expect(hqqRow.ppl).toBeLessThan(minMaxRow.ppl);
        expect(hqqRow.ppl).toBeGreaterThan(rows[0].ppl);
      },
    );
  },
);
