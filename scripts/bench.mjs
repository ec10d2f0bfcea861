// `pnpm bench`: runs every package's benchmark in one process and writes docs/benchmarks.md.
// Benchmarks are not tests: they measure, side by side in one run, and name the machine.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES = [
  'packages/core-tensor/bench/linalg.mjs',
  'packages/rtn/bench/rtn.mjs',
  'examples/llm-tinystories/bench-rtn-perplexity.mjs',
  'examples/llm-tinystories/bench-methods.mjs',
  'examples/llm-tinystories/bench-w8a8.mjs',
  'examples/cnn-fashion-mnist/bench-rtn-accuracy.mjs',
  'examples/cnn-fashion-mnist/bench-cnn-workflows.mjs',
  'examples/llm-tinystories/bench-memory.mjs',
  'packages/export/bench/export.mjs',
  'packages/hqq/bench/hqq.mjs',
  'packages/gptq/bench/gptq.mjs',
  'examples/llm-tinystories/bench-engine.mjs',
];

function machine() {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

// LOWBIT_BENCH_ONLY=<substring of a bench file> re-runs only those benches and replaces their
// sections in the existing docs/benchmarks.md, keeping the others (each section names its date).
const only = process.env.LOWBIT_BENCH_ONLY;
const out = join(root, 'docs', 'benchmarks.md');
const today = new Date().toISOString().slice(0, 10);

/** The sections of an existing benchmarks.md by title, in order. */
function previousSections() {
  if (!existsSync(out)) return new Map();
  const parts = readFileSync(out, 'utf8').split(/^## /m).slice(1);
  return new Map(parts.map((part) => [part.slice(0, part.indexOf('\n')), `## ${part.trimEnd()}\n`]));
}

const sections = only ? previousSections() : new Map();
for (const file of BENCHES.filter((f) => !only || f.includes(only))) {
  const { bench } = await import(join(root, file));
  const started = performance.now();
  const { section, markdown } = await bench();
  console.log(`${section}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  sections.set(section, `## ${section}\n\n_Measured ${today}._\n\n${markdown.trim()}\n`);
}

const text = `# lowbit benchmarks

Written by \`npx pnpm@10 bench\` (each section names the day it was measured).
Machine: ${machine()}.
Ratios compare numbers measured side by side in the same run.

${[...sections.values()].join('\n')}`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
