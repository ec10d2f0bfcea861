import { LowbitError } from '@lowbit/core-tensor';
import { MATMUL_NBITS_BITS } from '@lowbit/export';
import { LlamaModel } from '@lowbit/models';
import type { LoadedModel } from '../model-kinds/index';

/** What `quantize --format` writes. */
export const OUTPUT_FORMATS = ['lowbit', 'onnx', 'gptq'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Refuses, before any work, a bit width the ONNX exporter cannot store (the lowbit format is checked by assertStorableBits). */
export function assertExportableBits(format: OutputFormat, bits: number): void {
  if (format === 'onnx' && !MATMUL_NBITS_BITS.includes(bits)) {
    throw new LowbitError(
      'BAD_ARGS',
      `--format onnx writes MatMulNBits nodes, which support 2, 4 or 8 bits, not ${bits}; use --bits 4 (or 2, 8), or --format lowbit.`,
    );
  }
}

/** Refuses, before quantizing, a model the format cannot hold: onnx and gptq write llama decoders. */
export function assertExportableModel(format: OutputFormat, loaded: LoadedModel): void {
  if (format !== 'lowbit' && !(loaded.model instanceof LlamaModel)) {
    throw new LowbitError(
      'BAD_ARGS',
      `--format ${format} writes llama decoders; ${loaded.path} is a ${loaded.model.task} (${loaded.kind}). Use --format lowbit.`,
    );
  }
}
