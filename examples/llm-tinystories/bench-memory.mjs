// Bounded memory: RTN W4 g128 through runRecipe on a synthetic 12-layer, dim-768 llama2.c
// checkpoint (110M parameters, 85M of them in the decoder layers), in a child process so that its
// peak RSS is the model's alone. The bar: peak RSS ≤ 2× the fp32 weights.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticLlama2c } from '@lowbit/models';
import { markdownTable } from '../table.mjs';

const SHAPE = { layers: 12, dim: 768, hidden: 2048, heads: 12, kvHeads: 12, vocab: 32000, seqLen: 512 };
const MAX_RATIO = 2;
const MiB = 2 ** 20;

const quantizeCheckpoint = join(dirname(fileURLToPath(import.meta.url)), 'quantize-checkpoint.mjs');

function runNode(args) {
  return execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export async function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-memory-'));
  try {
    const checkpoint = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(checkpoint, SHAPE);
    const run = JSON.parse(runNode([quantizeCheckpoint, checkpoint]));
    const ratio = run.peakRssBytes / run.fp32Bytes;
    const table = markdownTable([
      {
        checkpoint: `${SHAPE.layers}×${SHAPE.dim}, ${(run.parameters / 1e6).toFixed(1)}M params`,
        'fp32 MiB': (run.fp32Bytes / MiB).toFixed(0),
        'W4 g128 blocks MiB': (run.quantizedBlockBytes / MiB).toFixed(1),
        'quantize s': run.seconds.toFixed(1),
        'weights/s': `${(run.blockWeights / run.seconds / 1e6).toFixed(1)} M`,
        'peak RSS MiB': (run.peakRssBytes / MiB).toFixed(0),
        'peak / fp32': `${ratio.toFixed(2)}×`,
      },
    ]);
    const { backend, loaded, quantized } = run.stages;
    const markdown = [
      `RTN W4 g128 (asymmetric) on the ${(run.blockWeights / 1e6).toFixed(1)}M decoder-layer weights, in a child process.`,
      '',
      table,
      '',
      `RSS (MiB) after initBackend ${backend.rssMiB}, after loading ${loaded.rssMiB}, after quantizing ${quantized.rssMiB}; ` +
        `array buffers ${backend.arrayBuffersMiB} → ${loaded.arrayBuffersMiB} → ${quantized.arrayBuffersMiB}.`,
      `Bar: peak RSS ≤ ${MAX_RATIO}× the fp32 weights: **${ratio <= MAX_RATIO ? 'met' : 'NOT met'}** (${ratio.toFixed(2)}×).`,
    ].join('\n');
    console.log(markdown);
    return { section: 'Bounded memory: RTN on a 110M-parameter llama2.c checkpoint', markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
