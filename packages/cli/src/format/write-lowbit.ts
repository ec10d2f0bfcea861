import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  allTargets,
  type BackendInfo,
  type ModifierReport,
  type QuantizedTensor,
  type QuantTarget,
  type TargetReport,
} from '@lowbit/core-tensor';
import { writeSafetensors } from '@lowbit/models';
import { type LoadedModel, modelFormat } from '../model-kinds/index';
import { VERSION } from '../version';
import {
  LOWBIT_FORMAT_VERSION,
  type LowbitManifest,
  MANIFEST_FILE,
  type ManifestTarget,
  TENSORS_FILE,
  TOKENIZER_FILE,
} from './manifest';
import { writeOutputDir } from './output-dir';
import { quantizedTensorEntries } from './quantized-tensors';

export interface WriteLowbitOptions {
  out: string;
  /** Replace a previous lowbit output at `out`. */
  force: boolean;
  /** The model, quantized in place. */
  source: LoadedModel;
  method: string;
  backend: BackendInfo;
  /** The recipe's reports, for each target's relative error and size. */
  reports: readonly ModifierReport[];
  /** A tokenizer to copy into the directory. */
  tokenizer?: string;
}

/** The last report each target received across the recipe's modifiers. */
function lastReports(reports: readonly ModifierReport[]): Map<string, TargetReport> {
  return new Map(reports.flatMap((r) => r.targets.map((t) => [t.target, t] as const)));
}

function manifestTarget(
  target: QuantTarget,
  quantized: QuantizedTensor,
  report?: TargetReport,
): ManifestTarget {
  return {
    name: target.name,
    kind: target.kind,
    shape: target.shape.slice(),
    quantizedShape: quantized.shape.slice(),
    ...quantized.args,
    granularity: { ...quantized.args.granularity },
    sizeBytes: typeof report?.sizeBytes === 'number' ? report.sizeBytes : quantized.sizeBytes(),
    relativeError: report?.relativeError ?? null,
  };
}

/**
 * Writes a lowbit directory: lowbit.json, quantized.safetensors (packed codes, scales, zero points,
 * g_idx of every quantized target), the base model in its own format with those targets dequantized,
 * and the tokenizer when given. Written to a temporary folder, then renamed into place.
 */
export async function writeLowbitDir(options: WriteLowbitOptions): Promise<LowbitManifest> {
  const { source } = options;
  const format = modelFormat(source.kind);
  const quantized = allTargets(source.model).flatMap((t) => (t.quantized ? [[t, t.quantized] as const] : []));
  const measured = lastReports(options.reports);
  const manifest: LowbitManifest = {
    format: 'lowbit',
    formatVersion: LOWBIT_FORMAT_VERSION,
    createdBy: `lowbit ${VERSION}`,
    createdAt: new Date().toISOString(),
    source: { path: resolve(source.path), kind: source.kind },
    base: { path: format.baseName, kind: source.kind },
    tokenizer: options.tokenizer ? TOKENIZER_FILE : null,
    method: options.method,
    recipe: options.reports.map((r) => ({ modifier: r.modifier, config: r.config })),
    backend: { name: options.backend.name, reason: options.backend.reason },
    targets: quantized.map(([target, tensor]) => manifestTarget(target, tensor, measured.get(target.name))),
  };
  await writeOutputDir(options.out, options.force, async (dir) => {
    const entries = quantized.flatMap(([target, tensor]) => quantizedTensorEntries(target.name, tensor));
    writeSafetensors(join(dir, TENSORS_FILE), new Map(entries), { format: 'lowbit' });
    await source.save(join(dir, format.baseName));
    if (options.tokenizer) copyFileSync(options.tokenizer, join(dir, TOKENIZER_FILE));
    writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
