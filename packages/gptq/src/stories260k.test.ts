import { initBackend, runRecipe, testDataPath, tf } from '@lowbit/core-tensor';
import {
  type LlamaModel,
  loadLlama2c,
  loadTokenizer,
  perplexity,
  readTextLines,
  sampleCalibration,
  tokenWindows,
} from '@lowbit/models';
import { rtn, rtnQuantizeTensor } from '@lowbit/rtn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GptqConfigInput } from './config';
import { gptq } from './gptq-modifier';
import { outputSquaredError } from './test-helpers';

const paths = {
  model: testDataPath('llm/stories260K.bin'),
  tokenizer: testDataPath('llm/tok512.bin'),
  train: testDataPath('text/tinystories-train-excerpt.txt'),
  valid: testDataPath('text/tinystories-valid.txt'),
};
const haveData = Object.values(paths).every(Boolean);

type WeightConfig = Pick<GptqConfigInput, 'bits' | 'groupSize'>;

/** The inputs every layer of `model` receives from the calibration batches, as [rows, in] per target. */
function layerInputs(model: LlamaModel, batches: tf.Tensor[], blockIndex: number): Map<string, tf.Tensor2D> {
  const captured = new Map<string, tf.Tensor2D[]>();
  tf.tidy(() => {
    for (const batch of batches) {
      let x = model.embed(batch);
      for (const block of model.blocks.slice(0, blockIndex)) x = block.forward(x);
      model.blocks[blockIndex].forward(x, (name, input) => {
        const rows = tf.keep(tf.reshape<tf.Rank.R2>(input, [-1, input.shape[input.rank - 1]]));
        captured.set(name, [...(captured.get(name) ?? []), rows]);
      });
    }
  });
  return new Map(
    [...captured].map(([name, parts]) => {
      const joined = tf.concat(parts);
      tf.dispose(parts);
      return [name, joined];
    }),
  );
}

describe.skipIf(!haveData)('GPTQ on stories260K (wasm)', () => {
  let calibration: tf.Tensor2D[];
  let windows: Int32Array[];
  let fp32 = 0;
  const table: string[] = [];

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const tokenizer = loadTokenizer(paths.tokenizer!, { vocabSize: 512 });
    const train = readTextLines(paths.train!);
    calibration = sampleCalibration(train, { samples: 32, seqLen: 128, seed: 0, batchSize: 8, tokenizer });
    windows = tokenWindows(readTextLines(paths.valid!), tokenizer, { seqLen: 512 });
    fp32 = perplexity(loadLlama2c(paths.model!), windows).ppl;
  });

  // These tests compute synchronously for up to ~25 s each. Yielding to the event loop between them
  // lets the worker answer vitest's runner, whose RPC calls time out after 60 s.
  beforeEach(() => new Promise((resolve) => setImmediate(resolve)));

  afterAll(() => {
    tf.dispose(calibration);
    console.log(
      [
        `stories260K perplexity on tinystories-valid (FP32 ${fp32.toFixed(3)}); calibration 32 × 128 tokens of the train excerpt, seed 0`,
      ]
        .concat('| weights | RTN | GPTQ | GPTQ + act-order |', '| --- | --- | --- | --- |', table)
        .join('\n'),
    );
  });

  it.each<WeightConfig>([
    { bits: 4, groupSize: 'channel' },
    { bits: 3, groupSize: 32 },
  ])('gives every layer a smaller output error ‖(W − Ŵ)X‖² than RTN: %o', (config) => {
    const float = loadLlama2c(paths.model!);
    const model = loadLlama2c(paths.model!);
    runRecipe(model, [gptq(config)], { calibration });
    const lines: string[] = [];
    model.blocks.forEach((block, b) => {
      const inputs = layerInputs(model, calibration, b);
      block.targets.forEach((target, t) => {
        const weight = float.blocks[b].targets[t].weight() as tf.Tensor2D;
        const x = inputs.get(target.name)!;
        const gptqWeight = target.quantized!.dequantize();
        const rtnWeight = rtnQuantizeTensor(weight, config).quantized.dequantize();
        const [gptqError, rtnError] = [gptqWeight, rtnWeight].map((w) => outputSquaredError(weight, w, x));
        lines.push(`${target.name}: GPTQ ${gptqError.toFixed(2)} RTN ${rtnError.toFixed(2)}`);
        expect(gptqError, target.name).toBeLessThan(rtnError);
        tf.dispose([weight, gptqWeight, rtnWeight]);
      });
      tf.dispose([...inputs.values()]);
    });
    console.log(`${JSON.stringify(config)} layer output errors:\n${lines.join('\n')}`);
  });

  it.each<WeightConfig>([
    { bits: 4, groupSize: 'channel' },
    { bits: 4, groupSize: 32 },
    { bits: 3, groupSize: 32 },
  ])('beats RTN perplexity at %o', (config) => {
    const ppl = [rtn(config), gptq(config), gptq({ ...config, actOrder: true })].map((modifier) => {
      const model = loadLlama2c(paths.model!);
      const before = tf.memory().numTensors;
      runRecipe(model, [modifier], { calibration });
      expect(tf.memory().numTensors).toBe(before);
      return perplexity(model, windows).ppl;
    });
    const [rtnPpl, gptqPpl, actOrderPpl] = ppl;
    const label = `W${config.bits} ${config.groupSize === 'channel' ? 'per-channel' : `g${config.groupSize}`}`;
    table.push(`| ${label} | ${ppl.map((p) => p.toFixed(3)).join(' | ')} |`);
    expect(gptqPpl).toBeLessThan(rtnPpl);
    expect(actOrderPpl).toBeLessThan(rtnPpl);
    expect(gptqPpl).toBeGreaterThan(fp32);
  });
});
