// Writes a random llama2.c checkpoint for speed and memory benchmarks (after `npx tsup`).
// Usage: node scripts/make-synthetic-llama.mjs --out PATH [--seed 0 --layers 12 --dim 768 --hidden 2048
//        --heads 12 --kv-heads 12 --vocab 32000 --seq-len 512 --separate-classifier]
import { parseArgs } from 'node:util';
import { writeSyntheticLlama2c } from '@lowbit/models';

const INTEGER_OPTIONS = ['seed', 'layers', 'dim', 'hidden', 'heads', 'kv-heads', 'vocab', 'seq-len'];
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'separate-classifier': { type: 'boolean', default: false },
    ...Object.fromEntries(INTEGER_OPTIONS.map((name) => [name, { type: 'string' }])),
  },
});
if (!values.out) throw new Error('--out <path> is required.');
const int = (name) => (values[name] === undefined ? undefined : Number(values[name]));
const started = performance.now();
const { parameters, bytes } = writeSyntheticLlama2c(values.out, {
  seed: int('seed'),
  layers: int('layers'),
  dim: int('dim'),
  hidden: int('hidden'),
  heads: int('heads'),
  kvHeads: int('kv-heads'),
  vocab: int('vocab'),
  seqLen: int('seq-len'),
  separateClassifier: values['separate-classifier'],
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${values.out}: ${(parameters / 1e6).toFixed(1)}M parameters, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${seconds} s`,
);
