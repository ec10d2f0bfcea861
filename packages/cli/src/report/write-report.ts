import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeGranularity } from '@lowbit/core-tensor';
import type { ManifestTarget } from '../format/index';
import { type LowbitReport, type ReportTarget, validateReport } from './schema';

/** A manifest target as the report lists it. */
export function reportTarget(target: ManifestTarget): ReportTarget {
  const { name, kind, shape, bits, type, granularity, sizeBytes, relativeError, gptqLoss, rtnLoss, damp } =
    target;
  const floatBytes = 4 * shape.reduce((a, b) => a * b, 1);
  return {
    name,
    kind,
    shape,
    bits,
    type,
    granularity: describeGranularity(granularity),
    sizeBytes,
    floatBytes,
    relativeError,
    ...(gptqLoss !== undefined && { gptqLoss }),
    ...(rtnLoss !== undefined && { rtnLoss }),
    ...(damp !== undefined && { damp }),
  };
}

/** Validates `report` and writes it as JSON, creating the folder. */
export function writeReport(path: string, report: LowbitReport): void {
  validateReport(report);
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
}
