// HQQ vs RTN quantization time, W4 g64 asymmetric, on the decoder layers of a synthetic llama2.c
// checkpoint (12 layers, dim 768: ≈ 85M weights). Usage: `node bench/hqq.mjs` after `npx tsup`,
// or import bench().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBackend, initBackend, runRecipe } from '@lowbit/core-tensor';
import { hqq } from '@lowbit/hqq';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const SHAPE = { layers: 12, dim: 768, hidden: 2048, heads: 12, kvHeads: 12, vocab: 32000, seqLen: 512 };
const CONFIG = { bits: 4, groupSize: 64 };

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** Quantizes a fresh copy of the checkpoint's decoder layers with `modifier`; times the recipe. */
function timeRecipe(checkpoint, label, modifier) {
  const model = loadLlama2c(checkpoint);
  const weights = model.blocks.flatMap((b) => b.targets).reduce((n, t) => n + t.shape[0] * t.shape[1], 0);
  const [started, cpuStarted] = [performance.now(), process.cpuUsage()];
  const [report] = runRecipe(model, [modifier]);
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpuStarted);
  return { label, weights, seconds, cpuSeconds: (user + system) / 1e6, targets: report.targets };
}

function row({ label, weights, seconds, cpuSeconds, targets }) {
  const steps = targets[0].iterations === undefined ? '–' : mean(targets.map((t) => t.iterations)).toFixed(1);
  const error = mean(targets.map((t) => t.relativeError)).toFixed(4);
  const rate = `${(weights / seconds / 1e6).toFixed(2)} M`;
  return `| ${label} | ${seconds.toFixed(1)} | ${cpuSeconds.toFixed(1)} | ${rate} | ${error} | ${steps} |`;
}

export async function bench() {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-hqq-bench-'));
  try {
    const checkpoint = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(checkpoint, SHAPE);
    const rtnRun = timeRecipe(checkpoint, 'RTN W4 g64', rtn(CONFIG));
    const hqqRun = timeRecipe(checkpoint, 'HQQ W4 g64 (20 steps max, early stop)', hqq(CONFIG));
    const markdown = [
      `Backend: ${currentBackend()}. Decoder layers of a synthetic ${SHAPE.layers}-layer, dim-${SHAPE.dim} llama2.c ` +
        `checkpoint (${(rtnRun.weights / 1e6).toFixed(1)}M weights, uniform, std 0.02), through runRecipe; one run each.`,
      '',
      '| method | time (s) | CPU time (s) | weights/s | mean rel. error | mean solver steps |',
      '| --- | --- | --- | --- | --- | --- |',
      row(rtnRun),
      row(hqqRun),
      '',
      `HQQ / RTN time: ${(hqqRun.seconds / rtnRun.seconds).toFixed(1)}× (CPU time ${(hqqRun.cpuSeconds / rtnRun.cpuSeconds).toFixed(1)}×).`,
    ].join('\n');
    console.log(markdown);
    return { section: 'HQQ vs RTN quantization time', markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
