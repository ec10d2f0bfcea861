import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type QuantizationRecord, readExportManifest, readManifest } from '../format/index';
import { reportTarget, targetsTable } from '../report/index';
import { formatBytes, gridTable, keyValueTable } from '../table';
import type { Inspection } from './section';

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

type Described = QuantizationRecord & { format: string; formatVersion: number };

/** The manifest, every quantized target and the files of a lowbit directory or export. */
function inspectRecord(dir: string, manifest: Described, rows: [string, string][], kind: string): Inspection {
  const targets = manifest.targets.map(reportTarget);
  const quantizedBytes = targets.reduce((sum, t) => sum + t.sizeBytes, 0);
  const floatBytes = targets.reduce((sum, t) => sum + t.floatBytes, 0);
  const overview = keyValueTable([
    [
      'format',
      `${manifest.format} v${manifest.formatVersion} (${manifest.createdBy}, ${manifest.createdAt})`,
    ],
    ['source', `${manifest.source.path} (${manifest.source.kind})`],
    ...rows,
    ['tokenizer', manifest.tokenizer ?? undefined],
    ['method', manifest.method],
    ...manifest.recipe.map((step) => [`recipe: ${step.modifier}`, JSON.stringify(step.config)] as const),
    ['backend', `${manifest.backend.name} (${manifest.backend.reason})`],
    ['targets', `${targets.length}: ${formatBytes(floatBytes)} fp32 → ${formatBytes(quantizedBytes)}`],
  ]);
  const files = gridTable(
    ['file', 'size'],
    readdirSync(dir).map((name) => [name, formatBytes(sizeOf(join(dir, name)))]),
  );
  return {
    kind,
    sections: [
      { title: 'manifest', table: overview },
      { title: 'targets', table: targetsTable(targets) },
      { title: 'files', table: files },
    ],
  };
}

/** A lowbit directory: its manifest, every quantized target, and the files it holds. */
export function inspectLowbit(dir: string): Inspection {
  const manifest = readManifest(dir);
  const base: [string, string] = ['base model', `${manifest.base.path} (${manifest.base.kind})`];
  return inspectRecord(dir, manifest, [base], 'lowbit quantized directory');
}

/** An onnx or gptq export: its lowbit-export.json, every quantized target, and the files it holds. */
export function inspectExport(dir: string): Inspection {
  const manifest = readExportManifest(dir);
  const model: [string, string] = [
    'model',
    `${manifest.model} (seq_len ${manifest.seqLen}, vocab ${manifest.vocabSize})`,
  ];
  return inspectRecord(dir, manifest, [model], `lowbit ${manifest.format} export`);
}
