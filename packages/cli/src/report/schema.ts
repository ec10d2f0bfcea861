import type { Metric } from '../evaluate';
import type { RecipeStep } from '../format/index';
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

export const REPORT_SCHEMA_VERSION = 2;

/** One quantized weight in a report. */
export interface ReportTarget {
  name: string;
  kind: string;
  shape: number[];
  bits: number;
  type: string;
  /** e.g. "per-channel(axis 0)" or "group 32 (axis 1)". */
  granularity: string;
  /** Storage of the quantized weight (packed codes, scales, zero points). */
  sizeBytes: number;
  /** The same weight in float32. */
  floatBytes: number;
  relativeError: number | null;
  /** GPTQ: output error of GPTQ's weights and of plain rounding, and the dampening used. */
  gptqLoss?: number;
  rtnLoss?: number;
  damp?: number;
}

/** What `--report FILE` writes; documented in docs/report-schema.md. */
export interface LowbitReport {
  schema: 'lowbit-report';
  schemaVersion: number;
  tool: { name: 'lowbit'; version: string };
  command: 'quantize' | 'eval';
  createdAt: string;
  model: { path: string; kind: string; quantized: boolean };
  method: string | null;
  /** The command's options as given (after defaults). */
  args: Record<string, unknown>;
  recipe: RecipeStep[];
  backend: { name: string; reason: string };
  /** The dense engine and its threads per op. */
  engine: { name: string; device: string; threads: number; reason: string };
  metrics: { baseline: Metric | null; quantized: Metric | null };
  targets: ReportTarget[];
  /** The lowbit directory or export written, if any. */
  output: string | null;
  seconds: number;
  peakRssBytes: number;
}

const METRIC: Check = (v, p) => {
  const common = { value: finite, data: string, seconds: finite };
  if ((v as Metric | null)?.kind === 'perplexity') {
    return object({ ...common, kind: oneOf('perplexity'), nll: finite, tokens: count, windows: count })(v, p);
  }
  return object({ ...common, kind: oneOf('top1'), correct: count, total: count })(v, p);
};

const TARGET = object({
  name: string,
  kind: string,
  shape: arrayOf(count),
  bits: count,
  type: string,
  granularity: string,
  sizeBytes: count,
  floatBytes: count,
  relativeError: nullable(finite),
  gptqLoss: optional(finite),
  rtnLoss: optional(finite),
  damp: optional(finite),
});

const REPORT = object({
  schema: oneOf('lowbit-report'),
  schemaVersion: oneOf(REPORT_SCHEMA_VERSION),
  tool: object({ name: oneOf('lowbit'), version: string }),
  command: oneOf('quantize', 'eval'),
  createdAt: string,
  model: object({ path: string, kind: string, quantized: boolean }),
  method: nullable(string),
  args: object({}),
  recipe: arrayOf(object({ modifier: string, config: object({}) })),
  backend: object({ name: string, reason: string }),
  engine: object({ name: string, device: string, threads: count, reason: string }),
  metrics: object({ baseline: nullable(METRIC), quantized: nullable(METRIC) }),
  targets: arrayOf(TARGET),
  output: nullable(string),
  seconds: finite,
  peakRssBytes: count,
});

/** Checks a parsed report against the schema; throws BAD_FILE listing what is wrong. */
export function validateReport(value: unknown): LowbitReport {
  assertValid(value, REPORT, 'report', 'See docs/report-schema.md for the expected fields.');
  return value as LowbitReport;
}
