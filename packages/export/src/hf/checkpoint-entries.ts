import { type ArrayTarget, type QuantizedTensor, toFloat16Array } from '@lowbit/core-tensor';
import {
  HF_CLASSIFIER,
  HF_EMBEDDING,
  HF_FINAL_NORM,
  halvesRowSource,
  headSize,
  hfConfigJson,
  hfLinearName,
  hfNormName,
  type LayerNormName,
  LINEAR_NAMES,
  type LlamaBlock,
  type LlamaModel,
  type SafetensorsWriteEntry,
} from '@lowbit/models';
import { permuteRows } from '../gptq/hf-rows';

/** Storage of the non-quantized tensors (embedding, norms, lm_head). */
export type FloatDtype = 'F16' | 'F32';

export type Entry = [string, SafetensorsWriteEntry];

/** The quantized weight of a decoder linear, or a BAD_ARGS LowbitError naming the fix. */
export type QuantizedOf = (target: ArrayTarget) => QuantizedTensor;

/** The safetensors entries of one quantized linear, named from its HF module name `base`. */
export type LinearEncoder = (base: string, q: QuantizedTensor, name: string) => Entry[];

function floatEntry(dtype: FloatDtype, shape: number[], values: Float32Array): SafetensorsWriteEntry {
  return dtype === 'F16' ? { shape, data: toFloat16Array(values), dtype: 'F16' } : { shape, data: values };
}

function layerEntries(
  model: LlamaModel,
  block: LlamaBlock,
  dtype: FloatDtype,
  quantizedOf: QuantizedOf,
  encode: LinearEncoder,
): Entry[] {
  const { nHeads, nKvHeads } = model.config;
  const size = headSize(model.config);
  const { index, norms } = block;
  const norm = (n: LayerNormName): Entry => [
    `${hfNormName(index, n)}.weight`,
    floatEntry(dtype, [norms[n].length], norms[n]),
  ];
  const entries = [norm('attentionNorm')];
  for (const n of LINEAR_NAMES) {
    let q = quantizedOf(block.linears[n]);
    // HF's rotate_half RoPE wants wq/wk rows as [first halves, second halves] per head.
    if (n === 'wq' || n === 'wk') q = permuteRows(q, halvesRowSource(n === 'wq' ? nHeads : nKvHeads, size));
    entries.push(...encode(hfLinearName(index, n), q, block.linears[n].name));
  }
  entries.push(norm('ffnNorm'));
  return entries;
}

/**
 * Every tensor of a quantized HF llama checkpoint in HF order: embedding, per layer the norms and
 * the `encode`d linears (wq/wk rows in HF's rotate_half order), final norm, and lm_head when untied.
 */
export function checkpointEntries(
  model: LlamaModel,
  dtype: FloatDtype,
  quantizedOf: QuantizedOf,
  encode: LinearEncoder,
): Map<string, SafetensorsWriteEntry> {
  const { vocabSize, dim, tiedEmbeddings } = model.config;
  const entries = new Map<string, SafetensorsWriteEntry>([
    [`${HF_EMBEDDING}.weight`, floatEntry(dtype, [vocabSize, dim], model.embedding.values)],
    ...model.blocks.flatMap((block) => layerEntries(model, block, dtype, quantizedOf, encode)),
    [`${HF_FINAL_NORM}.weight`, floatEntry(dtype, [dim], model.finalNorm)],
  ]);
  if (!tiedEmbeddings) {
    entries.set(`${HF_CLASSIFIER}.weight`, floatEntry(dtype, [vocabSize, dim], model.classifier.values));
  }
  return entries;
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** config.json of the checkpoint, carrying `quantizationConfig`. */
export function configJsonBytes(
  model: LlamaModel,
  dtype: FloatDtype,
  quantizationConfig: object,
): Uint8Array {
  const torchDtype = dtype === 'F16' ? 'float16' : 'float32';
  return jsonBytes(hfConfigJson(model.config, { torchDtype, quantizationConfig }));
}
