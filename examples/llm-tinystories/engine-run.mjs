// `node engine-run.mjs <llama2c.bin> <method> <samples>`: one method's whole run through runRecipe
// on the engine LOWBIT_ENGINE names (W4 g128 asymmetric, random calibration tokens of 512), in its
// own process so that its peak RSS is its own. Prints one JSON line.

import { awq } from '@lowbit/awq';
import { initBackend, mulberry32, runRecipe, tf } from '@lowbit/core-tensor';
import { gptq } from '@lowbit/gptq';
import { hqq } from '@lowbit/hqq';
import { loadLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const [checkpoint, method, samples] = process.argv.slice(2);
const WEIGHTS = { bits: 4, groupSize: 128 };
const RECIPES = {
  rtn: () => [rtn(WEIGHTS)],
  hqq: () => [hqq(WEIGHTS)],
  awq: () => [awq(WEIGHTS), rtn(WEIGHTS)],
  gptq: () => [gptq(WEIGHTS)],
  'gptq-act-order': () => [gptq({ ...WEIGHTS, actOrder: true })],
  'gptq-one-group': () => [gptq({ ...WEIGHTS, trueSequential: false })],
};

function randomTokens(count, vocab) {
  const random = mulberry32(0);
  return Array.from({ length: count }, () =>
    tf.tensor2d(
      Int32Array.from({ length: 512 }, () => Math.floor(random() * vocab)),
      [1, 512],
      'int32',
    ),
  );
}

const { engine } = await initBackend();
const model = loadLlama2c(checkpoint);
const layerFloats = model.blocks.flatMap((b) => b.targets).reduce((n, t) => n + t.shape[0] * t.shape[1], 0);
const recipe = RECIPES[method]();
const calibration = recipe.some((m) => m.needsCalibration)
  ? randomTokens(Number(samples), model.config.vocabSize)
  : [];
const started = performance.now();
const reports = runRecipe(model, recipe, { calibration });
const seconds = (performance.now() - started) / 1000;
const targets = reports.at(-1).targets;
console.log(
  JSON.stringify({
    engine: `${engine.name} (${engine.device}, ${engine.threads} thread${engine.threads > 1 ? 's' : ''})`,
    seconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    weightBytes: 4 * layerFloats,
    meanRelativeError: targets.reduce((s, t) => s + (t.relativeError ?? 0), 0) / targets.length,
    calibrated: calibration.length > 0,
  }),
);
