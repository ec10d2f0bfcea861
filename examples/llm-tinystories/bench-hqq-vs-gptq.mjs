// HQQ vs GPTQ at the same setting (W4 g64, asymmetric) on a synthetic 12-layer, dim-768 llama2.c
// checkpoint (84.9M decoder weights), side by side in one run; RTN for reference. GPTQ calibrates
// on LOWBIT_HQQ_GPTQ_SAMPLES × 512 random tokens (default 32, GPTQ's usual 32 × 512; about 18 min
// on a 2-core wasm machine), HQQ needs none. Run alone: it is not part of `pnpm bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, mulberry32, runRecipe, tf } from '@lowbit/core-tensor';
import { gptq } from '@lowbit/gptq';
import { hqq } from '@lowbit/hqq';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import { markdownTable } from '../table.mjs';

const SHAPE = { layers: 12, dim: 768, hidden: 2048, heads: 12, vocab: 32000, seqLen: 512 };
const SETTING = { bits: 4, groupSize: 64 };
const SAMPLES = Number(process.env.LOWBIT_HQQ_GPTQ_SAMPLES ?? 32);

function randomTokens(samples, tokens) {
  const random = mulberry32(0);
  return Array.from({ length: samples }, () =>
    tf.tensor2d(
      Int32Array.from({ length: tokens }, () => Math.floor(random() * SHAPE.vocab)),
      [1, tokens],
      'int32',
    ),
  );
}

function timedRecipe(path, recipe, calibration) {
  const model = loadLlama2c(path);
  const started = performance.now();
  const [report] = runRecipe(model, recipe, { calibration });
  const seconds = (performance.now() - started) / 1000;
  const errors = report.targets.map((t) => t.relativeError).filter((e) => e !== undefined);
  return { seconds, meanError: errors.reduce((a, b) => a + b, 0) / errors.length };
}

export async function bench() {
  const backend = await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-hqq-gptq-'));
  try {
    const path = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(path, SHAPE);
    const calibration = randomTokens(SAMPLES, 512);
    const runs = [
      ['RTN', timedRecipe(path, [rtn(SETTING)])],
      ['HQQ', timedRecipe(path, [hqq(SETTING)])],
      [`GPTQ (${SAMPLES} × 512 tokens)`, timedRecipe(path, [gptq(SETTING)], calibration)],
    ];
    tf.dispose(calibration);
    const hqqSeconds = runs[1][1].seconds;
    const rows = runs.map(([method, run]) => ({
      method,
      'time s': run.seconds.toFixed(1),
      'vs HQQ': `${(run.seconds / hqqSeconds).toFixed(1)}×`,
      'mean rel. weight error': run.meanError.toFixed(4),
    }));
    const markdown = [
      `Backend: ${backend.name}. W4 g64 asymmetric on the 84.9M decoder weights of a synthetic 12 × 768 llama2.c checkpoint, one run each, side by side.`,
      '',
      markdownTable(rows),
      '',
      `GPTQ / HQQ time: ${(runs[2][1].seconds / hqqSeconds).toFixed(1)}× (bar ≥ 10×).`,
    ].join('\n');
    console.log(markdown);
    return { section: 'HQQ vs GPTQ at the same setting', markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
