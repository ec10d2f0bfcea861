// GPTQ speed: W4 g128 through runRecipe on a synthetic 12-layer, dim-768 llama2.c checkpoint (85M
// decoder-layer weights), side by side with RTN on the same checkpoint; then the throughput of
// GPTQ's dense steps at its layer shapes. Usage: `node bench/gptq.mjs` after `npx tsup`, or import bench().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  currentBackend,
  initBackend,
  mulberry32,
  runRecipe,
  tf,
  upperCholeskyOfInverse,
} from '@lowbit/core-tensor';
import { accumulateHessian, createHessian, gptq, gptqQuantizeWeight } from '@lowbit/gptq';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const SHAPE = { layers: 12, dim: 768, hidden: 2048, heads: 12, vocab: 32000, seqLen: 512 };
// `pnpm bench` scales the calibration down from 32 × 512 tokens (the forward passes and Hessians grow
// linearly with the tokens: ≈ 17 min for the 12 layers at 32 × 512 on a 2-core wasm machine);
// LOWBIT_GPTQ_BENCH_SAMPLES=32 runs the full size.
const CALIBRATION = { samples: Number(process.env.LOWBIT_GPTQ_BENCH_SAMPLES ?? 4), tokens: 512 };
const CONFIG = { bits: 4, groupSize: 128 };
const LAYER_SHAPES = [
  { label: 'wq/wk/wv/wo', rows: 768, columns: 768 },
  { label: 'w1/w3', rows: 2048, columns: 768 },
  { label: 'w2', rows: 768, columns: 2048 },
];

function timed(run) {
  const started = performance.now();
  const result = run();
  return { seconds: (performance.now() - started) / 1000, result };
}

function randomTokens({ samples, tokens }, vocab) {
  const random = mulberry32(0);
  return Array.from({ length: samples }, () =>
    tf.tensor2d(
      Int32Array.from({ length: tokens }, () => Math.floor(random() * vocab)),
      [1, tokens],
      'int32',
    ),
  );
}

function pipelineRow(path) {
  const calibration = randomTokens(CALIBRATION, SHAPE.vocab);
  const rtnModel = loadLlama2c(path);
  const rtnRun = timed(() => runRecipe(rtnModel, [rtn(CONFIG)]));
  const gptqModel = loadLlama2c(path);
  const gptqRun = timed(() => runRecipe(gptqModel, [gptq(CONFIG)], { calibration }));
  tf.dispose(calibration);
  const targets = gptqRun.result[0].targets;
  const lossRatio = targets.reduce((sum, t) => sum + t.gptqLoss / t.rtnLoss, 0) / targets.length;
  const { samples, tokens } = CALIBRATION;
  return `| ${SHAPE.layers} × ${SHAPE.dim} (85M) | ${samples} × ${tokens}${samples < 32 ? ' (scaled down from 32 × 512)' : ''} | ${rtnRun.seconds.toFixed(1)} | ${gptqRun.seconds.toFixed(1)} | ${(gptqRun.seconds / rtnRun.seconds).toFixed(0)}× | ${lossRatio.toFixed(3)} |`;
}

/** Hessian accumulation of one calibration pass, H⁻¹ factor, then the column loop (GPTQ minus factor). */
function layerRow({ label, rows, columns }) {
  const tokens = CALIBRATION.samples * CALIBRATION.tokens;
  const x = tf.randomNormal([tokens, columns], 0, 1, 'float32', 1);
  const weight = tf.randomNormal([rows, columns], 0, 0.02, 'float32', 2);
  const state = createHessian(columns);
  accumulateHessian(state, x); // warm-up
  const hessian = timed(() => accumulateHessian(state, x));
  const factor = timed(() => {
    const damped = tf.tidy(() => tf.add(state.h, tf.mul(tf.eye(columns), 0.01)));
    const u = upperCholeskyOfInverse(damped);
    u.dataSync();
    tf.dispose([damped, u]);
  });
  const quantize = timed(() => gptqQuantizeWeight(weight, state.h, CONFIG, label));
  const loopSeconds = quantize.seconds - factor.seconds;
  tf.dispose([x, weight, state.h]);
  const gflops = (flop, s) => (flop / s / 1e9).toFixed(1);
  return `| ${label} | ${rows}×${columns} | ${hessian.seconds.toFixed(2)} | ${gflops(2 * tokens * columns ** 2, hessian.seconds)} | ${factor.seconds.toFixed(2)} | ${loopSeconds.toFixed(2)} | ${gflops(rows * columns ** 2, loopSeconds)} |`;
}

export async function bench() {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-gptq-'));
  try {
    const path = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(path, SHAPE);
    const pipeline = pipelineRow(path);
    const layers = LAYER_SHAPES.map(layerRow);
    const markdown = [
      `Backend: ${currentBackend()}. W4 g128 asymmetric, true-sequential, through runRecipe on random tokens (model loading not timed); true-sequential runs each block forward 5 times (observe, 3 re-captures, output), so the calibration-bound part grows linearly with the tokens. Loss ratio: mean over the layers of GPTQ's / RTN's output error ½·tr(ΔW H ΔWᵀ).`,
      '',
      '| model | calibration | RTN s | GPTQ s | GPTQ / RTN | loss GPTQ / RTN |',
      '| --- | --- | --- | --- | --- | --- |',
      pipeline,
      '',
      `GPTQ's steps per layer at ${CALIBRATION.samples * CALIBRATION.tokens} calibration tokens. Hessian: 2·n·in² flop; column loop (quantization, in-block updates, lazy tf.matMul updates): out·in² flop.`,
      '',
      '| layer | W | Hessian s | Hessian GFLOP/s | H⁻¹ factor s | column loop s | column loop GFLOP/s |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...layers,
    ].join('\n');
    console.log(markdown);
    return { section: 'GPTQ speed', markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
