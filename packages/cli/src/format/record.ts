import { resolve } from 'node:path';
import {
  allTargets,
  type BackendInfo,
  type ModifierReport,
  type QuantizedTensor,
  type QuantTarget,
  type TargetReport,
} from '@lowbit/core-tensor';
import type { LoadedModel } from '../model-kinds/index';
import { VERSION } from '../version';
import { type ManifestTarget, type QuantizationRecord, TOKENIZER_FILE } from './manifest';

/** What a quantize run hands to an output writer. */
export interface QuantizedOutput {
  out: string;
  /** Replace a previous lowbit output at `out`. */
  force: boolean;
  /** The model, quantized in place. */
  source: LoadedModel;
  method: string;
  backend: BackendInfo;
  /** The recipe's reports, for each target's relative error, size and GPTQ losses. */
  reports: readonly ModifierReport[];
  /** A tokenizer to copy into the directory. */
  tokenizer?: string;
}

/** The last report each target received across the recipe's modifiers. */
function lastReports(reports: readonly ModifierReport[]): Map<string, TargetReport> {
  return new Map(reports.flatMap((r) => r.targets.map((t) => [t.target, t] as const)));
}

/** The GPTQ losses and dampening of a target's report, when it has them. */
function gptqFields(report?: TargetReport): Pick<ManifestTarget, 'gptqLoss' | 'rtnLoss' | 'damp'> {
  const fields: Pick<ManifestTarget, 'gptqLoss' | 'rtnLoss' | 'damp'> = {};
  for (const key of ['gptqLoss', 'rtnLoss', 'damp'] as const) {
    const value = report?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) fields[key] = value;
  }
  return fields;
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
    ...gptqFields(report),
  };
}

/** The targets the recipe quantized, with their QuantizedTensors. */
export function quantizedTargets(source: LoadedModel): (readonly [QuantTarget, QuantizedTensor])[] {
  return allTargets(source.model).flatMap((t) => (t.quantized ? [[t, t.quantized] as const] : []));
}

/** How `options.source` was quantized, as lowbit.json and lowbit-export.json record it. */
export function quantizationRecord(options: QuantizedOutput): QuantizationRecord {
  const measured = lastReports(options.reports);
  return {
    createdBy: `lowbit ${VERSION}`,
    createdAt: new Date().toISOString(),
    source: { path: resolve(options.source.path), kind: options.source.kind },
    tokenizer: options.tokenizer ? TOKENIZER_FILE : null,
    method: options.method,
    recipe: options.reports.map((r) => ({ modifier: r.modifier, config: r.config })),
    backend: { name: options.backend.name, reason: options.backend.reason },
    targets: quantizedTargets(options.source).map(([target, tensor]) =>
      manifestTarget(target, tensor, measured.get(target.name)),
    ),
  };
}
