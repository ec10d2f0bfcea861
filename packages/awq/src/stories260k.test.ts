import { initBackend, type ModifierReport, runRecipe, testDataPath, tf } from '@lowbit/core-tensor';
import {
  loadLlama2c,
  loadTokenizer,
  perplexity,
  readTextLines,
  sampleCalibration,
  type Tokenizer,
  tokenWindows,
} from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import { beforeAll, describe, expect, it } from 'vitest';
import { awq } from './awq-modifier';

const paths = {
  model: testDataPath('llm/stories260K.bin'),
  tokenizer: testDataPath('llm/tok512.bin'),
  valid: testDataPath('text/tinystories-valid.txt'),
  train: testDataPath('text/tinystories-train-excerpt.txt'),
};
const ready = Object.values(paths).every(Boolean);

/** Per mapping: r, and the output MSE of its balance layers quantized plainly → with AWQ's scales. */
function scaleEvidence(report: ModifierReport): string {
  return report.targets
    .filter((t) => t.step === 'scale')
    .map((t) => {
      const [before, after] = [t.mseBefore, t.mseAfter].map((v) => (v as number).toExponential(2));
      return `  ${t.target.padEnd(26)} r=${(t.ratio as number).toFixed(2)}  mse ${before} → ${after}`;
    })
    .join('\n');
}

describe.skipIf(!ready)('AWQ on stories260K (wasm)', () => {
  let tokenizer: Tokenizer;
  let windows: Int32Array[];
  let calibrationText: string[];
  let fp32 = 0;
  const load = () => loadLlama2c(paths.model!);

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    tokenizer = loadTokenizer(paths.tokenizer!, { vocabSize: 512 });
    windows = tokenWindows(readTextLines(paths.valid!), tokenizer, { seqLen: 512 });
    calibrationText = readTextLines(paths.train!);
    fp32 = perplexity(load(), windows).ppl;
  });

  it.each([4, 3])('[awq, rtn] has a lower perplexity than rtn at W%i g32', (bits) => {
    const quant = { bits, groupSize: 32 };
    const plain = load();
    runRecipe(plain, [rtn(quant)]);
    const rtnPpl = perplexity(plain, windows).ppl;
    const calibration = sampleCalibration(calibrationText, {
      samples: 32,
      seqLen: 256,
      seed: 0,
      batchSize: 8,
      tokenizer,
    });
    const model = load();
    const tensors = tf.memory().numTensors;
    const [report] = runRecipe(model, [awq(quant), rtn(quant)], { calibration });
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(calibration);
    const awqPpl = perplexity(model, windows).ppl;
    console.log(
      `stories260K tinystories-valid W${bits} g32: FP32 ${fp32.toFixed(3)}  RTN ${rtnPpl.toFixed(3)}  AWQ+RTN ${awqPpl.toFixed(3)} (AWQ ${report.seconds.toFixed(1)} s)\n${scaleEvidence(report)}`,
    );
    expect(fp32).toBeCloseTo(5.18, 1);
    expect(awqPpl).toBeGreaterThan(fp32);
    expect(awqPpl).toBeLessThan(rtnPpl);
  });
});
