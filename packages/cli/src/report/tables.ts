import { formatMetric } from '../evaluate';
import { formatBytes, formatShape, gridTable, keyValueTable } from '../table';
import type { LowbitReport, ReportTarget } from './schema';

const GPTQ_COLUMNS = ['gptq loss', 'rtn loss', 'damp'];

const scientific = (value?: number) => (value === undefined ? '–' : value.toExponential(3));

/** One row per quantized weight: shape, format, size and error (and GPTQ's losses when measured). */
export function targetsTable(targets: readonly ReportTarget[]): string {
  const gptq = targets.some((t) => t.gptqLoss !== undefined);
  const rows = targets.map((t) => [
    t.name,
    t.kind,
    formatShape(t.shape),
    `${t.type === 'int' ? `int${t.bits}` : t.type} ${t.granularity}`,
    formatBytes(t.sizeBytes),
    t.relativeError === null ? '–' : t.relativeError.toFixed(4),
    ...(gptq ? [scientific(t.gptqLoss), scientific(t.rtnLoss), scientific(t.damp)] : []),
  ]);
  const head = ['target', 'kind', 'shape', 'quantization', 'size', 'rel. error'];
  return gridTable(gptq ? [...head, ...GPTQ_COLUMNS] : head, rows);
}

function weightsSummary(targets: readonly ReportTarget[]): string | undefined {
  if (targets.length === 0) return undefined;
  const quantized = targets.reduce((sum, t) => sum + t.sizeBytes, 0);
  const float = targets.reduce((sum, t) => sum + t.floatBytes, 0);
  return `${formatBytes(float)} fp32 → ${formatBytes(quantized)} (${(float / quantized).toFixed(2)}×)`;
}

/** The outcome of a quantize or eval run. */
export function summaryTable(report: LowbitReport): string {
  const { model, metrics } = report;
  return keyValueTable([
    ['model', `${model.path} (${model.kind}${model.quantized ? ', lowbit' : ''})`],
    ['method', report.method ?? undefined],
    ['backend', `${report.backend.name} (${report.backend.reason})`],
    ['engine', `${report.engine.name} on ${report.engine.device}, ${report.engine.threads} thread(s)`],
    ['baseline', metrics.baseline ? formatMetric(metrics.baseline) : undefined],
    ['quantized', metrics.quantized ? formatMetric(metrics.quantized) : undefined],
    ['quantized weights', weightsSummary(report.targets)],
    ['output', report.output ?? undefined],
    ['time', `${report.seconds.toFixed(1)} s`],
    ['peak RSS', formatBytes(report.peakRssBytes)],
  ]);
}
