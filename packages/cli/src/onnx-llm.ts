import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { LowbitError, type ProgressCallback } from '@lowbit/core-tensor';
import { onnx } from '@lowbit/models';
import { type ExportManifest, isExportDir, readExportManifest } from './format/index';

/** An ONNX causal LM (what `quantize --format onnx` writes): the file and, when beside it, its manifest. */
export interface OnnxLlm {
  file: string;
  dir: string;
  manifest?: ExportManifest;
}

function manifestBeside(file: string): ExportManifest | undefined {
  const dir = dirname(file);
  if (!isExportDir(dir)) return undefined;
  const manifest = readExportManifest(dir);
  return manifest.format === 'onnx' && manifest.model === basename(file) ? manifest : undefined;
}

/** Whether the ONNX graph at `path` has an `input_ids` input (an LLM; a CNN reads images). */
function readsInputIds(path: string): boolean {
  try {
    const { graph } = onnx.ModelProto.decode(readFileSync(path));
    return (graph?.input ?? []).some((input) => input.name === 'input_ids');
  } catch {
    return false; // not decodable: the ONNX CNN loader names the problem
  }
}

/** The ONNX LLM at `path` (an onnx export directory, or an .onnx file whose graph reads `input_ids`), if it is one. */
export function findOnnxLlm(path: string): OnnxLlm | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    if (!isExportDir(path)) return undefined;
    const manifest = readExportManifest(path);
    return manifest.format === 'onnx' ? { file: join(path, manifest.model), dir: path, manifest } : undefined;
  }
  if (extname(path) !== '.onnx') return undefined;
  return readsInputIds(path) ? { file: path, dir: dirname(path), manifest: manifestBeside(path) } : undefined;
}

/** Summed NLL, in float64, of window[1..] given the logits [n, vocab] of window[0..n−1]. */
function windowNll(logits: Float32Array, window: Int32Array, vocab: number): number {
  let sum = 0;
  for (let t = 0; t + 1 < window.length; t++) {
    const row = logits.subarray(t * vocab, (t + 1) * vocab);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of row) max = Math.max(max, v);
    let total = 0;
    for (const v of row) total += Math.exp(v - max);
    sum += max + Math.log(total) - row[window[t + 1]];
  }
  return sum;
}

/**
 * Perplexity of an ONNX LLM in onnxruntime (CPU), by models' `perplexity` protocol: each window's
 * tokens (int64 `input_ids` [1, n − 1]) predict the next ones; the NLL is averaged over all predictions.
 */
export async function onnxPerplexity(
  file: string,
  windows: readonly Int32Array[],
  onProgress?: ProgressCallback,
): Promise<{ nll: number; ppl: number; tokens: number }> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  try {
    let sum = 0;
    let tokens = 0;
    for (const [i, window] of windows.entries()) {
      const n = window.length - 1;
      const ids = BigInt64Array.from(window.subarray(0, n), BigInt);
      const { logits } = await session.run({ input_ids: new ort.Tensor('int64', ids, [1, n]) });
      sum += windowNll(logits.data as Float32Array, window, logits.dims[2]);
      tokens += n;
      onProgress?.({ stage: 'perplexity', done: i + 1, total: windows.length });
    }
    if (tokens === 0) throw new LowbitError('BAD_ARGS', 'No text to evaluate; pass a --data file with text.');
    return { nll: sum / tokens, ppl: Math.exp(sum / tokens), tokens };
  } finally {
    await session.release();
  }
}
