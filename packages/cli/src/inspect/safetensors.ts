import { statSync } from 'node:fs';
import { readSafetensorsHeader } from '@lowbit/models';
import { formatBytes, formatShape, gridTable, keyValueTable } from '../table';
import type { Inspection, InspectSection } from './section';

/** The header of a safetensors file: its tensors (without reading their data) and metadata. */
export function safetensorsSections(path: string): InspectSection[] {
  const header = readSafetensorsHeader(path);
  const tensors = gridTable(
    ['tensor', 'dtype', 'shape', 'bytes'],
    header.entries.map((e) => [e.name, e.dtype, formatShape(e.shape), formatBytes(e.end - e.begin)]),
  );
  const overview = keyValueTable([
    ['file size', formatBytes(statSync(path).size)],
    ['tensors', header.entries.length],
    ...Object.entries(header.metadata).map(([key, value]) => [`metadata ${key}`, value] as const),
  ]);
  return [
    { title: 'safetensors', table: overview },
    { title: 'tensors', table: tensors },
  ];
}

export function inspectSafetensors(path: string): Inspection {
  return { kind: 'safetensors file', sections: safetensorsSections(path) };
}
