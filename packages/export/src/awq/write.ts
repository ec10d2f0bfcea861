import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ArrayTarget,
  assertWritable,
  bytesFile,
  LowbitError,
  type OverwriteOptions,
  writeFilesAtomic,
} from '@lowbit/core-tensor';
import { HF_CONFIG_FILE, HF_WEIGHTS_FILE, type LlamaModel, safetensorsOutput } from '@lowbit/models';
import {
  checkpointEntries,
  configJsonBytes,
  type FloatDtype,
  jsonBytes,
  type LinearEncoder,
} from '../hf/checkpoint-entries';
import { awqGroupSize, encodeAwq } from './awq-tensors';
import { AWQ_QUANT_CONFIG_FILE, awqQuantConfig, transformersQuantizationConfig } from './config-files';

export interface AwqCheckpointOptions extends OverwriteOptions {
  /** Checked against the quantized tensors when given (they are the source of truth). */
  groupSize?: number;
  /** Storage of the non-quantized tensors (embedding, norms, lm_head); default F16. */
  floatDtype?: FloatDtype;
}

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function quantizedOf(target: ArrayTarget) {
  return (
    target.quantized ??
    bad(`${target.name} is not quantized; an AWQ checkpoint needs every decoder linear quantized at 4 bits.`)
  );
}

/** The group size every decoder linear shares. */
function modelGroupSize(model: LlamaModel, requested?: number): number {
  let first: number | undefined;
  for (const target of model.blocks.flatMap((b) => b.targets)) {
    const size = awqGroupSize(quantizedOf(target), target.name);
    first ??= size;
    if (size !== first) {
      bad(
        `${target.name} has group size ${size} but other linears ${first}; an AWQ checkpoint has one group size.`,
      );
    }
  }
  if (requested !== undefined && requested !== first) {
    bad(
      `options.groupSize is ${requested}, but the model's linears use group size ${first}; drop the option or re-quantize.`,
    );
  }
  return first!;
}

const awqEncoder: LinearEncoder = (base, q, name) => {
  const t = encodeAwq(q, name);
  const [out, inputs] = q.shape;
  const groups = t.scales.length / out;
  return [
    [`${base}.qweight`, { shape: [inputs, out / 8], data: t.qweight }],
    [`${base}.qzeros`, { shape: [groups, out / 8], data: t.qzeros }],
    [`${base}.scales`, { shape: [groups, out], data: t.scales, dtype: 'F16' }],
  ];
};

/**
 * Writes `model` as an AutoAWQ GEMM checkpoint folder (what AutoAWQ, transformers and vLLM load):
 * config.json (with quantization_config), quant_config.json and model.safetensors holding, per
 * decoder linear (HF names, wq/wk rows in HF's rotate_half order), qweight, qzeros and fp16 scales;
 * embedding, norms and lm_head in `floatDtype`. Files appear only once all are written.
 */
export function writeAwqCheckpoint(model: LlamaModel, dir: string, options: AwqCheckpointOptions = {}): void {
  const paths = [HF_WEIGHTS_FILE, AWQ_QUANT_CONFIG_FILE, HF_CONFIG_FILE].map((file) => join(dir, file));
  assertWritable(paths, options);
  const config = awqQuantConfig(modelGroupSize(model, options.groupSize));
  const floatDtype = options.floatDtype ?? 'F16';
  const entries = checkpointEntries(model, floatDtype, quantizedOf, awqEncoder);
  mkdirSync(dir, { recursive: true });
  writeFilesAtomic(
    [
      safetensorsOutput(paths[0], entries, { format: 'pt' }),
      bytesFile(paths[1], jsonBytes(config)),
      bytesFile(paths[2], configJsonBytes(model, floatDtype, transformersQuantizationConfig(config))),
    ],
    options,
  );
}
