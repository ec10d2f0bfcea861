// The dense engine: (1) the raw GFLOP/s of each engine at the synthetic 12 × 768 llama's shapes,
// the roofline; (2) GPTQ's dense phases at 32 × 512 calibration tokens, each as GFLOP/s and as a
// share of that roofline; (3) whole runs of RTN, HQQ, AWQ, GPTQ and GPTQ + act-order at W4 g128,
// each in a child process on the onnxruntime engine and on tfjs (wasm), the pre-engine path.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  denseEngine,
  initBackend,
  loadOnnxruntimeBinding,
  onnxruntimeEngine,
  tf,
  tfjsEngine,
  upperCholeskyOfInverse,
} from '@lowbit/core-tensor';
import { accumulateHessianRows, createHessian, gptqQuantizeWeight } from '@lowbit/gptq';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { markdownTable } from '../table.mjs';

const SHAPE = { layers: 12, dim: 768, hidden: 2048, heads: 12, kvHeads: 12, vocab: 512, seqLen: 512 };
const SAMPLES = 32;
const TOKENS = SAMPLES * 512;
// The tfjs path of GPTQ takes ~15 min per run at 32 × 512: `pnpm bench` runs it at 4 × 512 unless
// LOWBIT_ENGINE_BENCH_FULL=1.
const TFJS_GPTQ_SAMPLES = process.env.LOWBIT_ENGINE_BENCH_FULL === '1' ? SAMPLES : 4;
const MiB = 2 ** 20;
const here = dirname(fileURLToPath(import.meta.url));

function random(length, seed) {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

/** Median seconds of `runs` calls after one warm-up. */
function median(run, runs = 5) {
  run();
  const times = Array.from({ length: runs }, () => {
    const started = performance.now();
    run();
    return (performance.now() - started) / 1000;
  });
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const gflops = (flop, seconds) => flop / seconds / 1e9;

/** The model's dense ops: its linears on one 512-token batch, its Gram matrices, one batch's attention. */
const OPS = [
  {
    op: 'linear 512 × 768 → 768',
    flop: 2 * 512 * 768 * 768,
    run: (e, a) => e.matMul(a.x768, a.w768, { m: 512, k: 768, n: 768, transposeB: true }),
  },
  {
    op: 'linear 512 × 768 → 2048',
    flop: 2 * 512 * 768 * 2048,
    run: (e, a) => e.matMul(a.x768, a.w2048, { m: 512, k: 768, n: 2048, transposeB: true }),
  },
  {
    op: 'linear 512 × 2048 → 768',
    flop: 2 * 512 * 2048 * 768,
    run: (e, a) => e.matMul(a.x2048, a.w2048, { m: 512, k: 2048, n: 768, transposeB: true }),
  },
  { op: 'XᵀX of 2048 × 768', flop: 2 * 2048 * 768 * 768, run: (e, a) => e.gram(a.rows768, 2048, 768) },
  { op: 'XᵀX of 2048 × 2048', flop: 2 * 2048 * 2048 * 2048, run: (e, a) => e.gram(a.rows2048, 2048, 2048) },
  {
    op: 'attention, 12 heads × 512 tokens',
    flop: 4 * 12 * 512 * 512 * 64,
    run: (e, a) =>
      e.attention(a.q, a.q, a.q, a.mask, { batch: 12, queries: 512, keys: 512, depth: 64, scale: 0.125 }),
  },
];

function operands() {
  return {
    x768: random(512 * 768, 1),
    x2048: random(512 * 2048, 2),
    w768: random(768 * 768, 3),
    w2048: random(2048 * 768, 4),
    rows768: random(2048 * 768, 5),
    rows2048: random(2048 * 2048, 6),
    q: random(12 * 512 * 64, 7),
    mask: Float32Array.from({ length: 512 * 512 }, (_, i) => (i % 512 <= Math.floor(i / 512) ? 0 : -1e9)),
  };
}

/** GFLOP/s of every op on each engine; the roofline of an engine is its best plain product. */
export function rooflineTable(engines) {
  const inputs = operands();
  const rates = engines.map(({ engine }) =>
    OPS.map(({ flop, run }) =>
      gflops(
        flop,
        median(() => run(engine, inputs)),
      ),
    ),
  );
  const rows = OPS.map(({ op }, i) => ({
    op,
    ...Object.fromEntries(engines.map(({ label }, e) => [`${label} GFLOP/s`, rates[e][i].toFixed(1)])),
    [`${engines[0].label} / ${engines.at(-1).label}`]: `${(rates[0][i] / rates.at(-1)[i]).toFixed(1)}×`,
  }));
  const roofline = Math.max(...rates[0].slice(0, 3));
  return { table: markdownTable(rows), roofline };
}

/** One decoder layer's staged forward over the 32 calibration batches, and its flop count. */
function forwardPhase(checkpoint) {
  const model = loadLlama2c(checkpoint);
  const block = model.blocks[0];
  const inputs = Array.from({ length: SAMPLES }, (_, i) =>
    tf.tensor3d(random(512 * 768, 100 + i), [1, 512, 768]),
  );
  const seconds = median(() => {
    for (const x of inputs) tf.dispose(block.forward(x));
  }, 3);
  tf.dispose(inputs);
  const params = block.targets.reduce((n, t) => n + t.shape[0] * t.shape[1], 0);
  return {
    phase: 'forward (one layer, staged)',
    flop: 2 * TOKENS * params + SAMPLES * 4 * 512 * 512 * 768,
    seconds,
  };
}

/** GPTQ's Hessian, H⁻¹ factor and column loop for one layer shape at 16384 calibration rows. */
function layerPhases(rows, columns) {
  const x = random(TOKENS * columns, columns);
  const state = createHessian(columns);
  const hessian = median(() => {
    for (let start = 0; start < TOKENS; start += 2048) {
      accumulateHessianRows(state, x.subarray(start * columns, (start + 2048) * columns), 2048);
    }
  }, 3);
  const h = tf.tensor2d(state.h, [columns, columns]);
  const damped = tf.tidy(() => tf.add(h, tf.mul(tf.eye(columns), 0.01)));
  const factor = median(() => upperCholeskyOfInverse(damped).dispose(), 3);
  const weight = tf.tensor2d(random(rows * columns, 9), [rows, columns]);
  const whole = median(() => gptqQuantizeWeight(weight, h, { bits: 4, groupSize: 128 }), 3);
  tf.dispose([h, damped, weight]);
  const shape = `${rows}×${columns}`;
  return [
    { phase: `Hessian XᵀX, in ${columns} (16384 rows)`, flop: 2 * TOKENS * columns ** 2, seconds: hessian },
    { phase: `H⁻¹ Cholesky factor, ${columns}²`, flop: (5 * columns ** 3) / 3, seconds: factor },
    { phase: `column loop, W ${shape}`, flop: rows * columns ** 2, seconds: whole - factor },
  ];
}

function phaseTable(checkpoint, roofline) {
  const phases = [forwardPhase(checkpoint), ...layerPhases(768, 768), ...layerPhases(768, 2048)];
  return markdownTable(
    phases.map(({ phase, flop, seconds }) => ({
      phase,
      GFLOP: (flop / 1e9).toFixed(2),
      s: seconds.toFixed(3),
      'GFLOP/s': gflops(flop, seconds).toFixed(1),
      'share of roofline': `${((100 * gflops(flop, seconds)) / roofline).toFixed(0)} %`,
    })),
  );
}

function runMethod(checkpoint, method, engine, samples) {
  const out = execFileSync(
    process.execPath,
    [join(here, 'engine-run.mjs'), checkpoint, method, String(samples)],
    {
      encoding: 'utf8',
      env: { ...process.env, LOWBIT_ENGINE: engine },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1));
}

function totalsTable(checkpoint) {
  const methods = [
    ['RTN', 'rtn', SAMPLES],
    ['HQQ', 'hqq', SAMPLES],
    ['AWQ + RTN', 'awq', SAMPLES],
    ['GPTQ', 'gptq', TFJS_GPTQ_SAMPLES],
    ['GPTQ + act-order', 'gptq-act-order', TFJS_GPTQ_SAMPLES],
    ['GPTQ, true-sequential off', 'gptq-one-group', TFJS_GPTQ_SAMPLES],
  ];
  return markdownTable(
    methods.map(([label, method, tfjsSamples]) => {
      const fast = runMethod(checkpoint, method, 'onnxruntime', SAMPLES);
      const old = runMethod(checkpoint, method, 'tfjs', tfjsSamples);
      const scaled = fast.calibrated && tfjsSamples !== SAMPLES;
      return {
        method: label,
        'onnxruntime s': fast.seconds.toFixed(1),
        'tfjs (wasm) s': `${old.seconds.toFixed(1)}${scaled ? ` at ${tfjsSamples} × 512` : ''}`,
        speed: scaled ? '–' : `${(old.seconds / fast.seconds).toFixed(1)}×`,
        'peak RSS MiB': (fast.peakRssBytes / MiB).toFixed(0),
        'peak RSS / fp32 weights': `${(fast.peakRssBytes / fast.weightBytes).toFixed(2)}×`,
        'mean rel. error': fast.meanRelativeError.toFixed(4),
      };
    }),
  );
}

export async function bench() {
  await initBackend({ backend: 'wasm' });
  const binding = loadOnnxruntimeBinding();
  if (typeof binding === 'string') throw new Error(`the engine bench needs onnxruntime-node: ${binding}`);
  const threads = denseEngine().threads;
  const engines = [
    { label: `onnxruntime ${threads}T`, engine: onnxruntimeEngine(binding, { threads }) },
    { label: 'onnxruntime 1T', engine: onnxruntimeEngine(binding, { threads: 1 }) },
    { label: 'tfjs wasm', engine: tfjsEngine(1) },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-engine-'));
  try {
    const checkpoint = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(checkpoint, SHAPE);
    const { table: roofline, roofline: peak } = rooflineTable(engines);
    const phases = phaseTable(checkpoint, peak);
    const totals = totalsTable(checkpoint);
    const markdown = [
      `Synthetic llama2.c checkpoint: 12 layers, dim 768, hidden 2048, 12 heads, vocab 512 (${((SHAPE.layers * 7077888) / 1e6).toFixed(1)}M decoder-layer weights, fp32 ${(
        (SHAPE.layers * 7077888 * 4) / MiB
      ).toFixed(
        0,
      )} MiB). Engine: ${denseEngine().name} with ${threads} intra-op threads; tfjs on wasm (single-threaded) is the path before the engine.`,
      '',
      "Raw engine throughput at the model's shapes (median of 5 after a warm-up). The roofline is the best onnxruntime linear below.",
      '',
      roofline,
      '',
      `GPTQ's dense phases on onnxruntime at ${SAMPLES} × 512 calibration tokens (W4 g128). Forward: 2·tokens·weights + 4·T²·dim per sequence; Hessian 2·n·in²; H⁻¹ factor 5n³/3; column loop out·in² (the factor excluded). Roofline: ${peak.toFixed(1)} GFLOP/s.`,
      '',
      phases,
      '',
      `Whole runs through runRecipe, W4 g128 asymmetric, ${SAMPLES} × 512 random calibration tokens, each in its own process (model loading not timed). onnxruntime is the default engine; tfjs (wasm) is \`LOWBIT_ENGINE=tfjs\`, which runs the same code with tfjs-wasm products${TFJS_GPTQ_SAMPLES === SAMPLES ? '' : ` (its GPTQ rows at ${TFJS_GPTQ_SAMPLES} × 512 tokens to keep \`pnpm bench\` short; LOWBIT_ENGINE_BENCH_FULL=1 runs them in full)`}. Peak RSS is the process maximum on the onnxruntime run.`,
      '',
      totals,
    ].join('\n');
    console.log(markdown);
    return { section: 'Dense engine: onnxruntime vs tfjs', markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
