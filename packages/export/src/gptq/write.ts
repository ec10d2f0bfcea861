import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ArrayTarget, LowbitError } from '@lowbit/core-tensor';
import { LINEAR_NAMES, type LlamaModel, type SafetensorsWriteEntry, writeSafetensors } from '@lowbit/models';
import {
  assertWritable,
  type OverwriteOptions,
  writeAll,
  writeFilesAtomic,
  writeNewFile,
} from '../atomic-write';
import { toFloat16Array } from '../fp16';
import { HF_CLASSIFIER, HF_EMBEDDING, HF_FINAL_NORM, hfLayer, hfLinear } from '../hf-names';
import { type LayerParts, llamaParts } from '../llama-parts';
import {
  CONFIG_FILE,
  type GptqQuantizeConfig,
  hfConfigJson,
  QUANTIZE_CONFIG_FILE,
  WEIGHTS_FILE,
} from './config-files';
import { encodeGptq, type GptqFormat, type GptqScheme, gptqScheme, sequentialGroups } from './gptq-tensors';
import { halvesRowSource, permuteRows } from './hf-rows';

export interface GptqCheckpointOptions extends OverwriteOptions {
  /** Checked against the quantized tensors when given (they are the source of truth). */
  bits?: number;
  /** Checked like bits; −1 means per output channel. */
  groupSize?: number;
  sym?: boolean;
  /** Checked like bits: true when some g_idx is not ⌊k / groupSize⌋ (act-order). */
  descAct?: boolean;
  /** Recorded in quantize_config.json (default false). */
  staticGroups?: boolean;
  /** Recorded in quantize_config.json (default true). */
  trueSequential?: boolean;
  /** 'gptq' (v1, default: qzeros hold zero − 1) or 'gptq_v2' (qzeros hold the zero point). */
  checkpointFormat?: GptqFormat;
  /** Storage of the non-quantized tensors (embedding, norms, lm_head); default F16. */
  floatDtype?: 'F16' | 'F32';
}

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function describe(s: GptqScheme): string {
  return `${s.bits}-bit, group size ${s.groupSize}, ${s.sym ? 'symmetric' : 'asymmetric'}`;
}

function quantizedOf(target: ArrayTarget) {
  return (
    target.quantized ??
    bad(
      `${target.name} is not quantized; a GPTQ checkpoint needs every decoder linear quantized (int, 2/3/4/8 bits).`,
    )
  );
}

/** The one scheme all decoder linears share, and whether any uses act-order. */
function modelScheme(layers: readonly LayerParts[]): GptqScheme & { descAct: boolean } {
  let first: GptqScheme | undefined;
  let descAct = false;
  for (const layer of layers) {
    for (const target of Object.values(layer.linears)) {
      const q = quantizedOf(target);
      const scheme = gptqScheme(q, target.name);
      first ??= scheme;
      if (describe(scheme) !== describe(first)) {
        bad(
          `${target.name} is ${describe(scheme)} but other linears are ${describe(first)}; a GPTQ checkpoint has one scheme.`,
        );
      }
      const sequential = sequentialGroups(scheme.groupSize, q.shape[1]);
      if (q.gIdx?.some((g, k) => g !== sequential[k])) descAct = true;
    }
  }
  return { ...first!, descAct };
}

function quantizeConfig(layers: readonly LayerParts[], options: GptqCheckpointOptions): GptqQuantizeConfig {
  const actual = modelScheme(layers);
  const checks: [string, unknown, unknown][] = [
    ['bits', options.bits, actual.bits],
    ['groupSize', options.groupSize, actual.groupSize],
    ['sym', options.sym, actual.sym],
    ['descAct', options.descAct, actual.descAct],
  ];
  for (const [key, given, found] of checks) {
    if (given !== undefined && given !== found) {
      bad(
        `options.${key} is ${given}, but the model's linears are quantized with ${key} ${found}; drop the option or re-quantize.`,
      );
    }
  }
  return {
    quant_method: 'gptq',
    bits: actual.bits,
    group_size: actual.groupSize,
    desc_act: actual.descAct,
    sym: actual.sym,
    static_groups: options.staticGroups ?? false,
    true_sequential: options.trueSequential ?? true,
    checkpoint_format: options.checkpointFormat ?? 'gptq',
  };
}

function layerEntries(
  model: LlamaModel,
  layer: LayerParts,
  index: number,
  format: GptqFormat,
  floatEntry: FloatEntry,
) {
  const { nHeads, nKvHeads, dim } = model.config;
  const size = dim / nHeads;
  const entries: [string, SafetensorsWriteEntry][] = [
    [
      `${hfLayer(index)}.input_layernorm.weight`,
      floatEntry([layer.attentionNorm.length], layer.attentionNorm),
    ],
  ];
  for (const n of LINEAR_NAMES) {
    const target = layer.linears[n];
    let q = quantizedOf(target);
    if (n === 'wq' || n === 'wk') q = permuteRows(q, halvesRowSource(n === 'wq' ? nHeads : nKvHeads, size));
    const t = encodeGptq(q, target.name, format);
    const [out, inputs] = q.shape;
    const groups = t.scales.length / out;
    const base = hfLinear(index, n);
    entries.push(
      [`${base}.qweight`, { shape: [t.qweight.length / out, out], data: t.qweight }],
      [`${base}.qzeros`, { shape: [groups, t.qzeros.length / groups], data: t.qzeros }],
      [`${base}.scales`, { shape: [groups, out], data: t.scales, dtype: 'F16' }],
      [`${base}.g_idx`, { shape: [inputs], data: t.gIdx }],
    );
  }
  entries.push([
    `${hfLayer(index)}.post_attention_layernorm.weight`,
    floatEntry([layer.ffnNorm.length], layer.ffnNorm),
  ]);
  return entries;
}

type FloatEntry = (shape: number[], values: Float32Array) => SafetensorsWriteEntry;

/**
 * Writes `model` as a GPTQ checkpoint folder that transformers, vLLM and GPTQModel load:
 * config.json (with quantization_config), quantize_config.json and model.safetensors holding, per
 * decoder linear (HF names, wq/wk rows in HF's rotate_half order), qweight, qzeros, fp16 scales
 * and g_idx; embedding, norms and lm_head in `floatDtype`. Files appear only once all are written.
 */
export function writeGptqCheckpoint(
  model: LlamaModel,
  dir: string,
  options: GptqCheckpointOptions = {},
): void {
  const paths = [WEIGHTS_FILE, QUANTIZE_CONFIG_FILE, CONFIG_FILE].map((file) => join(dir, file));
  assertWritable(paths, options);
  const parts = llamaParts(model);
  const config = quantizeConfig(parts.layers, options);
  const floatDtype = options.floatDtype ?? 'F16';
  const floatEntry: FloatEntry = (shape, values) =>
    floatDtype === 'F16' ? { shape, data: toFloat16Array(values), dtype: 'F16' } : { shape, data: values };
  const { vocabSize, dim, tiedEmbeddings } = model.config;
  const entries = new Map<string, SafetensorsWriteEntry>([
    [`${HF_EMBEDDING}.weight`, floatEntry([vocabSize, dim], parts.embedding)],
    ...parts.layers.flatMap((layer, i) =>
      layerEntries(model, layer, i, config.checkpoint_format, floatEntry),
    ),
    [HF_FINAL_NORM, floatEntry([dim], parts.finalNorm)],
  ]);
  if (!tiedEmbeddings)
    entries.set(`${HF_CLASSIFIER}.weight`, floatEntry([vocabSize, dim], parts.classifier.values));
  const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  const configJson = json(hfConfigJson(model.config, config, floatDtype === 'F16' ? 'float16' : 'float32'));
  mkdirSync(dir, { recursive: true });
  writeFilesAtomic(
    [
      { path: paths[0], write: (to) => writeSafetensors(to, entries, { format: 'pt' }) },
      { path: paths[1], write: (to) => writeNewFile(to, (fd) => writeAll(fd, json(config))) },
      { path: paths[2], write: (to) => writeNewFile(to, (fd) => writeAll(fd, configJson)) },
    ],
    options,
  );
}
