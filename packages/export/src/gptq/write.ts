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
import {
  HF_CONFIG_FILE,
  HF_WEIGHTS_FILE,
  type LlamaBlock,
  type LlamaModel,
  safetensorsOutput,
} from '@lowbit/models';
import {
  checkpointEntries,
  configJsonBytes,
  type FloatDtype,
  jsonBytes,
  type LinearEncoder,
} from '../hf/checkpoint-entries';
import { type GptqQuantizeConfig, QUANTIZE_CONFIG_FILE } from './config-files';
import { encodeGptq, type GptqFormat, type GptqScheme, gptqScheme, sequentialGroups } from './gptq-tensors';

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
  floatDtype?: FloatDtype;
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
function modelScheme(blocks: readonly LlamaBlock[]): GptqScheme & { descAct: boolean } {
  let first: GptqScheme | undefined;
  let descAct = false;
  for (const block of blocks) {
    for (const target of block.targets) {
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

function quantizeConfig(blocks: readonly LlamaBlock[], options: GptqCheckpointOptions): GptqQuantizeConfig {
  const actual = modelScheme(blocks);
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

/** qweight, qzeros, fp16 scales and g_idx of one linear. */
function gptqEncoder(format: GptqFormat): LinearEncoder {
  return (base, q, name) => {
    const t = encodeGptq(q, name, format);
    const [out, inputs] = q.shape;
    const groups = t.scales.length / out;
    return [
      [`${base}.qweight`, { shape: [t.qweight.length / out, out], data: t.qweight }],
      [`${base}.qzeros`, { shape: [groups, t.qzeros.length / groups], data: t.qzeros }],
      [`${base}.scales`, { shape: [groups, out], data: t.scales, dtype: 'F16' }],
      [`${base}.g_idx`, { shape: [inputs], data: t.gIdx }],
    ];
  };
}

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
  const paths = [HF_WEIGHTS_FILE, QUANTIZE_CONFIG_FILE, HF_CONFIG_FILE].map((file) => join(dir, file));
  assertWritable(paths, options);
  const config = quantizeConfig(model.blocks, options);
  const floatDtype = options.floatDtype ?? 'F16';
  const entries = checkpointEntries(model, floatDtype, quantizedOf, gptqEncoder(config.checkpoint_format));
  mkdirSync(dir, { recursive: true });
  writeFilesAtomic(
    [
      safetensorsOutput(paths[0], entries, { format: 'pt' }),
      bytesFile(paths[1], jsonBytes(config)),
      bytesFile(paths[2], configJsonBytes(model, floatDtype, config)),
    ],
    options,
  );
}
