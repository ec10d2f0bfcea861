import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../format/index';
import { reportTarget, targetsTable } from '../report/index';
import { formatBytes, gridTable, keyValueTable } from '../table';
import type { Inspection } from './section';

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** A lowbit directory: its manifest, every quantized target, and the files it holds. */
export function inspectLowbit(dir: string): Inspection {
  const manifest = readManifest(dir);
  const targets = manifest.targets.map(reportTarget);
  const quantizedBytes = targets.reduce((sum, t) => sum + t.sizeBytes, 0);
  const floatBytes = targets.reduce((sum, t) => sum + t.floatBytes, 0);
  const overview = keyValueTable([
    [
      'format',
      `${manifest.format} v${manifest.formatVersion} (${manifest.createdBy}, ${manifest.createdAt})`,
    ],
    ['source', `${manifest.source.path} (${manifest.source.kind})`],
    ['base model', `${manifest.base.path} (${manifest.base.kind})`],
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
    kind: 'lowbit quantized directory',
    sections: [
      { title: 'manifest', table: overview },
      { title: 'targets', table: targetsTable(targets) },
      { title: 'files', table: files },
    ],
  };
}
