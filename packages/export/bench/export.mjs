// ONNX export speed: one single-token forward pass in onnxruntime-node (1 intra-op thread) of a
// synthetic 12-layer dim-768 llama, RTN W4 g128 as MatMulNBits (accuracy_level 4) vs fp32, plus the
// size ratio of the decoder weights. Usage: `node bench/export.mjs` after `npx tsup`, or import bench().
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, runRecipe } from '@lowbit/core-tensor';
import { exportLlamaOnnx, exportLlamaOnnxFloat, onnxSizeRatio } from '@lowbit/export';
import { loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';
import * as ort from 'onnxruntime-node';

const WARMUP = 5;
const RUNS = 30;

/** Median milliseconds of one forward pass on a single token. */
async function timeForward(path) {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.of(1n), [1, 1]) };
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  await session.release();
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const mib = (path) => (statSync(path).size / 2 ** 20).toFixed(0);

export async function bench() {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-export-bench-'));
  try {
    const checkpoint = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(checkpoint, { layers: 12, dim: 768 });
    const model = loadLlama2c(checkpoint);
    const fp32 = join(dir, 'fp32.onnx');
    exportLlamaOnnxFloat(model, fp32);
    runRecipe(model, [rtn({ bits: 4, groupSize: 128, includeOuter: true })]);
    const w4 = join(dir, 'w4.onnx');
    exportLlamaOnnx(model, w4, { accuracyLevel: 4 });
    const [fp32Ms, w4Ms] = [await timeForward(fp32), await timeForward(w4)];
    const ratio = onnxSizeRatio(w4, fp32);
    const markdown = [
      `Synthetic llama (12 layers, dim 768, hidden 2048, vocab 32000, tied classifier), one token, onnxruntime-node ${ort.env.versions.common} CPU, 1 intra-op thread; median of ${RUNS} runs.`,
      'W4: RTN int4 g128 asymmetric on every linear and the classifier, MatMulNBits with accuracy_level 4.',
      '',
      '| export | file (MiB) | ms / token | speed-up |',
      '| --- | --- | --- | --- |',
      `| fp32 MatMul | ${mib(fp32)} | ${fp32Ms.toFixed(2)} | 1.00× |`,
      `| W4 MatMulNBits | ${mib(w4)} | ${w4Ms.toFixed(2)} | ${(fp32Ms / w4Ms).toFixed(2)}× |`,
      '',
      `Decoder weights (embedding and classifier excluded): W4 / fp32 = ${ratio.toFixed(3)}.`,
    ].join('\n');
    console.log(markdown);
    return {
      section: 'ONNX export (MatMulNBits)',
      markdown,
      fp32Ms,
      w4Ms,
      speedUp: fp32Ms / w4Ms,
      sizeRatio: ratio,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
