// GPTQ on each dense engine: the same per-layer losses and the same logits, on the real stories260K.
import {
  type EngineName,
  initBackend,
  runRecipe,
  type TargetReport,
  testDataPath,
  tf,
} from '@lowbit/core-tensor';
import { loadLlama2c, loadTokenizer, readTextLines, sampleCalibration } from '@lowbit/models';
import { afterAll, describe, expect, it } from 'vitest';
import { gptq } from './gptq-modifier';

const paths = {
  model: testDataPath('llm/stories260K.bin'),
  tokenizer: testDataPath('llm/tok512.bin'),
  train: testDataPath('text/tinystories-train-excerpt.txt'),
};
const haveData = Object.values(paths).every(Boolean);

interface EngineRun {
  targets: TargetReport[];
  logits: Float32Array;
}

async function runOn(engine: EngineName, actOrder: boolean): Promise<EngineRun> {
  await initBackend({ backend: 'wasm', engine });
  const tokenizer = loadTokenizer(paths.tokenizer!, { vocabSize: 512 });
  const calibration = sampleCalibration(readTextLines(paths.train!), {
    samples: 8,
    seqLen: 128,
    seed: 0,
    batchSize: 4,
    tokenizer,
  });
  const model = loadLlama2c(paths.model!);
  const [report] = runRecipe(model, [gptq({ bits: 4, groupSize: 32, actOrder })], { calibration });
  const logits = tf.tidy(() => {
    let x = model.embed(calibration[0]);
    for (const block of model.blocks) x = block.forward(x);
    return model.head(x);
  });
  const values = logits.dataSync() as Float32Array;
  tf.dispose([logits, ...calibration]);
  return { targets: report.targets, logits: values };
}

describe.skipIf(!haveData)('GPTQ on the onnxruntime and tfjs engines (stories260K, W4 g32)', () => {
  afterAll(() => initBackend({ backend: 'wasm' }));

  for (const actOrder of [false, true]) {
    it(`gives every layer the same loss within 1e-4 relative${actOrder ? ' with act-order' : ''}`, async () => {
      const reference = await runOn('tfjs', actOrder);
      const fast = await runOn('onnxruntime', actOrder);
      expect(fast.targets.map((t) => t.target)).toEqual(reference.targets.map((t) => t.target));
      const worst = Math.max(
        ...fast.targets.map((t, i) => {
          const expected = reference.targets[i].gptqLoss as number;
          return Math.abs((t.gptqLoss as number) - expected) / expected;
        }),
      );
      console.log(`GPTQ loss, onnxruntime vs tfjs: largest relative difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-4);
      const scale = reference.logits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const logitError = fast.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - reference.logits[i])), 0);
      expect(logitError / scale).toBeLessThan(1e-4);
    });
  }
});
