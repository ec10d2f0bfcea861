import { assertWritable, LowbitError, type OverwriteOptions, writeFilesAtomic } from '@lowbit/core-tensor';
import type { LlamaModel } from '@lowbit/models';
import type { AccuracyLevel, LinearOptions } from './linears';
import { llamaGraph } from './llama-graph';
import { onnxModelFiles, type SerializeOptions } from './serialize';

export interface ExportOnnxOptions extends OverwriteOptions, SerializeOptions {}

export interface ExportLlamaOnnxOptions extends ExportOnnxOptions {
  /**
   * MatMulNBits accuracy_level: the precision onnxruntime may compute A in. 0 (default) keeps float32;
   * 4 quantizes A to int8 per block, the fast CPU path (stories260K W4: perplexity +0.07 %).
   */
  accuracyLevel?: AccuracyLevel;
  /** MatMulNBits block_size (16–256, a power of two, dividing the group size); default: the largest that fits. */
  blockSize?: number;
}

function checkAccuracyLevel(level: number): asserts level is AccuracyLevel {
  if (![0, 1, 2, 3, 4].includes(level)) {
    throw new LowbitError(
      'BAD_ARGS',
      `accuracyLevel is ${level}; use 0 (float32, default), 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8, fastest on CPU).`,
    );
  }
}

/** Writes the llama graph with `linears` to `path`, atomically. */
export function writeLlamaOnnx(
  model: LlamaModel,
  path: string,
  linears: LinearOptions,
  options: ExportOnnxOptions,
): void {
  assertWritable([path], options);
  const graph = llamaGraph(model, linears);
  writeFilesAtomic(onnxModelFiles(graph, path, options), options);
}

/**
 * Writes the decoder as ONNX (opset 17 + com.microsoft): every quantized linear becomes a
 * MatMulNBits node, every other one a float MatMul. Input `input_ids` int64 [batch, sequence],
 * output `logits` float [batch, sequence, vocab]. The file appears only once complete.
 */
export function exportLlamaOnnx(model: LlamaModel, path: string, options: ExportLlamaOnnxOptions = {}): void {
  const { accuracyLevel = 0, blockSize } = options;
  checkAccuracyLevel(accuracyLevel);
  writeLlamaOnnx(model, path, { kind: 'nbits', accuracyLevel, blockSize }, options);
}

/** Writes the decoder with every linear as a float32 MatMul of its current (dequantized) weight. */
export function exportLlamaOnnxFloat(model: LlamaModel, path: string, options: ExportOnnxOptions = {}): void {
  writeLlamaOnnx(model, path, { kind: 'float' }, options);
}
