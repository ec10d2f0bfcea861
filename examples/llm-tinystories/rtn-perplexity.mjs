// RTN on karpathy's real stories260K llama2.c model: perplexity on the TinyStories validation
// excerpt, quantized size of the decoder layers' linears and quantize time, per RTN setting.
// Data comes from LOWBIT_DATA (default ../shared/data). Public APIs only.
import { dataPath, runRecipe } from '@lowbit/core-tensor';
import {
  generate,
  loadLlama2c,
  loadTokenizer,
  perplexity,
  readTextLines,
  tokenWindows,
} from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

export const CHECKPOINT = 'llm/stories260K.bin';

/** int settings are asymmetric (a zero point per group), the library default. */
export const RTN_SETTINGS = [
  ['RTN W8 per-channel', { bits: 8, groupSize: 'channel' }],
  ['RTN W4 per-channel', { bits: 4, groupSize: 'channel' }],
  ['RTN W4 g32', { bits: 4, groupSize: 32 }],
  ['RTN W3 g32', { bits: 3, groupSize: 32 }],
  ['RTN NF4 (block 64)', { type: 'nf4' }],
];

/** A fresh fp32 copy of the model: each setting quantizes its own. */
const loadModel = () => loadLlama2c(dataPath(CHECKPOINT));

const loadTokenizerFor = (model) =>
  loadTokenizer(dataPath('llm/tok512.bin'), { vocabSize: model.config.vocabSize });

/** Each validation story on its own from BOS, first 512 tokens: the reference protocol (ppl ≈ 5.2). */
function validationWindows(model) {
  const lines = readTextLines(dataPath('text/tinystories-valid.txt'));
  return tokenWindows(lines, loadTokenizerFor(model), { seqLen: model.config.seqLen });
}

/** The decoder layers' linears: what RTN quantizes (embedding/classifier stay fp32). */
const blockTargets = (model) => model.blocks.flatMap((block) => block.targets);
const elements = (target) => target.shape.reduce((a, b) => a * b, 1);

/** Bytes of the block targets: packed codes and qparams once quantized, else fp32. */
const blockWeightBytes = (model) =>
  blockTargets(model).reduce((sum, t) => sum + (t.quantized?.sizeBytes() ?? 4 * elements(t)), 0);

const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** FP32 and each RTN setting: perplexity, its change, block weight size and quantize time. */
export function rtnPerplexityRows() {
  const fp32 = loadModel();
  const windows = validationWindows(fp32);
  const blockWeights = blockTargets(fp32).reduce((n, t) => n + elements(t), 0);
  const row = (label, model, seconds) => ({
    label,
    ppl: perplexity(model, windows).ppl,
    bytes: blockWeightBytes(model),
    seconds,
  });
  const measured = [row('FP32', fp32)];
  for (const [label, config] of RTN_SETTINGS) {
    const model = loadModel();
    const started = performance.now();
    runRecipe(model, [rtn(config)]);
    measured.push(row(label, model, (performance.now() - started) / 1000));
  }
  const reference = measured[0].ppl;
  return measured.map(({ label, ppl, bytes, seconds }) => ({
    weights: label,
    perplexity: ppl.toFixed(3),
    'Δ vs FP32': label === 'FP32' ? '–' : `${signed((100 * (ppl - reference)) / reference)} %`,
    'block KiB': (bytes / 1024).toFixed(1),
    'bits/weight': ((8 * bytes) / blockWeights).toFixed(2),
    'quantize s': seconds === undefined ? '–' : seconds.toFixed(3),
  }));
}

/** Greedy continuations from BOS for FP32 and RTN W4 g32, as llama2.c's `run` at temperature 0. */
export function greedySamples(steps = 60) {
  const fp32 = loadModel();
  const w4g32 = loadModel();
  runRecipe(w4g32, [rtn({ bits: 4, groupSize: 32 })]);
  const tokenizer = loadTokenizerFor(fp32);
  return [
    ['FP32', fp32],
    ['RTN W4 g32', w4g32],
  ].map(([label, model]) => ({ label, text: generate(model, tokenizer, { steps }).text }));
}
