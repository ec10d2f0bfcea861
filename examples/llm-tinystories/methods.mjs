// Every weight-only method on karpathy's real stories260K model, side by side: perplexity on the
// TinyStories validation excerpt (FP32 ≈ 5.18), with calibration on the train excerpt (seed 0).
// Public APIs only. Run: node examples/llm-tinystories/methods.mjs

import { awq } from '@lowbit/awq';
import { initBackend, runRecipe, tf } from '@lowbit/core-tensor';
import { gptq } from '@lowbit/gptq';
import { hqq } from '@lowbit/hqq';
import { perplexity } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import { markdownTable } from '../table.mjs';
import { storiesSetup } from './stories.mjs';

const CALIBRATION = { samples: 32, seqLen: 128, seed: 0 };

/** Recipes per weight format; `weights` is the shared RTN-style config ({ bits, groupSize }). */
const METHODS = [
  ['RTN', (w) => [rtn(w)]],
  ['GPTQ', (w) => [gptq(w)]],
  ['GPTQ + act-order', (w) => [gptq({ ...w, actOrder: true })]],
  ['AWQ + RTN', (w) => [awq(w), rtn(w)]],
  ['AWQ + GPTQ', (w) => [awq(w), gptq(w)]],
  ['HQQ', (w) => [hqq(w)]],
];
const FORMATS = [
  ['W4 per-channel', { bits: 4, groupSize: 'channel' }, ['RTN', 'GPTQ', 'GPTQ + act-order']],
  ['W4 g32', { bits: 4, groupSize: 32 }, METHODS.map(([name]) => name)],
  ['W3 g32', { bits: 3, groupSize: 32 }, METHODS.map(([name]) => name)],
];

export function methodPerplexityRows() {
  const { load, fp32, windows, calibration } = storiesSetup(CALIBRATION);
  const rows = [
    { weights: 'FP32', method: '–', perplexity: perplexity(fp32, windows).ppl.toFixed(3), 'quantize s': '–' },
  ];
  for (const [format, weights, names] of FORMATS) {
    for (const [name, recipe] of METHODS.filter(([n]) => names.includes(n))) {
      const model = load();
      const started = performance.now();
      runRecipe(model, recipe(weights), { calibration });
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        weights: format,
        method: name,
        perplexity: perplexity(model, windows).ppl.toFixed(3),
        'quantize s': seconds.toFixed(1),
      });
    }
  }
  tf.dispose(calibration);
  return rows;
}

export const CALIBRATION_NOTE = `Calibration: ${CALIBRATION.samples} × ${CALIBRATION.seqLen} tokens of tinystories-train-excerpt.txt (seed ${CALIBRATION.seed}); int formats asymmetric; evaluation: tinystories-valid.txt, each story from BOS, first 512 tokens.`;

if (import.meta.url === `file://${process.argv[1]}`) {
  await initBackend();
  console.log(markdownTable(methodPerplexityRows()));
  console.log(CALIBRATION_NOTE);
}
