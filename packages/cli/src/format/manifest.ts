import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Granularity,
  LowbitError,
  type QuantArgs,
  quantArgs,
  type TargetKind,
} from '@lowbit/core-tensor';
import { readJsonFile } from '@lowbit/models';
import {
  arrayOf,
  assertValid,
  boolean,
  type Check,
  count,
  finite,
  nullable,
  object,
  oneOf,
  optional,
  string,
} from '../json-checks';
import { MODEL_FORMATS, type ModelKind } from '../model-kinds/index';

export const LOWBIT_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'lowbit.json';
export const TENSORS_FILE = 'quantized.safetensors';
export const TOKENIZER_FILE = 'tokenizer.bin';

/** One quantized weight: where it lives in the model, its QuantArgs, and what it cost. */
export interface ManifestTarget extends Omit<QuantArgs, 'granularity'> {
  name: string;
  kind: TargetKind;
  /** The target's shape in the model. */
  shape: number[];
  /** The shape the codes were quantized in (a 2-D view of `shape` with the same element count). */
  quantizedShape: number[];
  granularity: Granularity;
  sizeBytes: number;
  /** ‖W − Ŵ‖_F / ‖W‖_F as measured when quantizing, when the method reported it. */
  relativeError: number | null;
  /** GPTQ: the output error ‖(W − Ŵ)X‖² of GPTQ's and of plain rounding's weights, and the dampening used. */
  gptqLoss?: number;
  rtnLoss?: number;
  damp?: number;
}

/** A modifier of the recipe and the configuration it ran with. */
export interface RecipeStep {
  modifier: string;
  config: Record<string, unknown>;
}

/** How a model was quantized: what lowbit.json and lowbit-export.json share. */
export interface QuantizationRecord {
  createdBy: string;
  createdAt: string;
  /** The model that was quantized. */
  source: { path: string; kind: ModelKind };
  /** The tokenizer copied into the output directory, if any. */
  tokenizer: string | null;
  method: string;
  /** Each modifier of the recipe with its resolved configuration. */
  recipe: RecipeStep[];
  backend: { name: string; reason: string };
  targets: ManifestTarget[];
}

/** lowbit.json: what a lowbit directory holds and how it was made. */
export interface LowbitManifest extends QuantizationRecord {
  format: 'lowbit';
  formatVersion: number;
  /** The base model in this directory: the source format, quantized targets dequantized. */
  base: { path: string; kind: ModelKind };
}

const KINDS = MODEL_FORMATS.map((f) => f.kind);
const FIX = 'The lowbit directory is damaged; re-create it with `lowbit quantize … --out DIR --force`.';
const dims = arrayOf(count);

const GRANULARITY: Check = (v, p) => {
  const kind = (v as Granularity | undefined)?.kind;
  if (kind === 'group') return object({ kind: string, axis: finite, size: count })(v, p);
  if (kind === 'channel') return object({ kind: string, axis: finite })(v, p);
  return object({ kind: oneOf('tensor', 'channel', 'group') })(v, p);
};

const TARGET = object({
  name: string,
  kind: oneOf('linear', 'conv2d', 'depthwise', 'embedding'),
  shape: dims,
  quantizedShape: dims,
  bits: count,
  type: string,
  symmetric: boolean,
  signed: boolean,
  granularity: GRANULARITY,
  zeroPointDomain: oneOf('int', 'float'),
  scaleType: oneOf('float', 'pow2'),
  clipRatio: finite,
  reduceRange: boolean,
  eps: finite,
  sizeBytes: count,
  relativeError: nullable(finite),
  gptqLoss: optional(finite),
  rtnLoss: optional(finite),
  damp: optional(finite),
});

/** The fields of a {@link QuantizationRecord}. */
export const RECORD_FIELDS = {
  createdBy: string,
  createdAt: string,
  source: object({ path: string, kind: oneOf(...KINDS) }),
  tokenizer: nullable(string),
  method: string,
  recipe: arrayOf(object({ modifier: string, config: object({}) })),
  backend: object({ name: string, reason: string }),
  targets: arrayOf(TARGET),
};

const MANIFEST = object({
  ...RECORD_FIELDS,
  format: oneOf('lowbit'),
  formatVersion: finite,
  base: object({ path: string, kind: oneOf(...KINDS) }),
});

/** Bit widths whose codes the format can pack into int32 words. */
const PACKABLE_BITS = [2, 3, 4, 8];

/** Refuses, before any work, a bit width the lowbit format cannot store. */
export function assertStorableBits(bits: number): void {
  if (!PACKABLE_BITS.includes(bits)) {
    throw new LowbitError(
      'BAD_ARGS',
      `--bits ${bits} cannot be stored in the lowbit format, which packs 2-, 3-, 4- or 8-bit codes; choose one of those.`,
    );
  }
}

/** The validated QuantArgs a manifest target records. */
export function targetArgs(target: ManifestTarget): QuantArgs {
  try {
    return quantArgs(target);
  } catch (e) {
    throw new LowbitError(
      'BAD_FILE',
      `${MANIFEST_FILE}: target "${target.name}" has invalid args: ${(e as Error).message} ${FIX}`,
    );
  }
}

function assertVersion(manifest: unknown, path: string): void {
  const { format, formatVersion } = (manifest ?? {}) as Partial<LowbitManifest>;
  if (format !== 'lowbit')
    throw new LowbitError(
      'BAD_FILE',
      `${path} is not a lowbit manifest (format is ${JSON.stringify(format)}). ${FIX}`,
    );
  if (formatVersion !== LOWBIT_FORMAT_VERSION) {
    throw new LowbitError(
      'BAD_FILE',
      `${path} has format version ${JSON.stringify(formatVersion)}, but this lowbit reads version ${LOWBIT_FORMAT_VERSION}. Re-quantize the source model with this lowbit, or use the lowbit that wrote it.`,
      { path },
    );
  }
}

/** Reads and validates `dir`/lowbit.json. */
export function readManifest(dir: string): LowbitManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new LowbitError(
      'BAD_FILE',
      `${dir} is not a lowbit directory: ${MANIFEST_FILE} is missing. ${FIX}`,
      { path },
    );
  }
  const manifest = readJsonFile(path, FIX);
  assertVersion(manifest, path);
  assertValid(manifest, MANIFEST, MANIFEST_FILE, FIX);
  return manifest as LowbitManifest;
}

/** Whether `dir` looks like a lowbit directory (it holds a manifest). */
export function isLowbitDir(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}
