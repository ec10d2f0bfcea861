import { join } from 'node:path';
import { LowbitError, type ProgressCallback } from '@lowbit/core-tensor';
import { loadTokenizer, readTextLines, tokenWindows } from '@lowbit/models';
import type { EvalDataOptions } from './eval-set';
import type { PerplexityMetric } from './evaluate';
import { type OnnxLlm, onnxPerplexity } from './onnx-llm';

export interface OnnxLlmEvalOptions extends EvalDataOptions {
  /** Tokens per window; default: the export manifest's. */
  seqLen?: number;
}

function tokenizerOf(llm: OnnxLlm, explicit?: string): string {
  const stored = llm.manifest?.tokenizer;
  const path = explicit ?? (stored ? join(llm.dir, stored) : undefined);
  if (!path) {
    throw new LowbitError(
      'BAD_ARGS',
      `Perplexity reads text and needs the model's tokenizer; ${llm.file} has none beside it, so pass --tokenizer FILE.`,
    );
  }
  return path;
}

function seqLenOf(llm: OnnxLlm, explicit?: number): number {
  const seqLen = explicit ?? llm.manifest?.seqLen;
  if (seqLen === undefined) {
    throw new LowbitError(
      'BAD_ARGS',
      `${llm.file} has no lowbit-export.json beside it to give its sequence length; pass --seq-len N.`,
    );
  }
  return seqLen;
}

/** Perplexity of an ONNX LLM on a text file, run in onnxruntime on the CPU. */
export async function evaluateOnnxLlm(
  llm: OnnxLlm,
  options: OnnxLlmEvalOptions,
  onProgress?: ProgressCallback,
): Promise<PerplexityMetric> {
  const started = performance.now();
  const vocabSize = llm.manifest?.vocabSize;
  const tokenizer = loadTokenizer(tokenizerOf(llm, options.tokenizer), { vocabSize });
  const lines = readTextLines(options.data).slice(0, options.limit);
  const windows = tokenWindows(lines, tokenizer, { seqLen: seqLenOf(llm, options.seqLen) });
  const { ppl, nll, tokens } = await onnxPerplexity(llm.file, windows, onProgress);
  return {
    kind: 'perplexity',
    value: ppl,
    nll,
    tokens,
    windows: windows.length,
    data: options.data,
    seconds: (performance.now() - started) / 1000,
  };
}
