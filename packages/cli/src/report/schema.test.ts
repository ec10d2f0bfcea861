import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LowbitReport, validateReport } from './schema';

/** The example in docs/report-schema.md, so the documentation cannot drift from the checks. */
function documentedExample(): LowbitReport {
  const markdown = readFileSync(resolve(__dirname, '../../../../docs/report-schema.md'), 'utf8');
  const block = markdown.match(/```json\n([\s\S]*?)```/);
  if (!block) throw new Error('docs/report-schema.md has no ```json example');
  return JSON.parse(block[1]);
}

function problemsOf(report: unknown): string[] {
  try {
    validateReport(report);
    return [];
  } catch (e) {
    expect(e).toMatchObject({ code: 'BAD_FILE' });
    return (e as { details: { problems: string[] } }).details.problems;
  }
}

describe('validateReport', () => {
  it('accepts the documented example, and an eval report without baseline or targets', () => {
    const example = documentedExample();
    expect(validateReport(example)).toBe(example);
    const evalReport = {
      ...example,
      command: 'eval',
      metrics: { baseline: null, quantized: example.metrics.quantized },
      targets: [],
      output: null,
    };
    expect(problemsOf(evalReport)).toEqual([]);
    const top1 = { kind: 'top1', value: 0.9, correct: 9, total: 10, data: 'x.idx', seconds: 1 };
    expect(problemsOf({ ...example, metrics: { baseline: top1, quantized: top1 } })).toEqual([]);
  });

  it('names every missing or mistyped field by its path', () => {
    const example = documentedExample();
    const broken: Record<string, unknown> = {
      ...example,
      schemaVersion: 3,
      backend: { name: 'wasm' },
      metrics: {
        baseline: { ...example.metrics.baseline, value: 'high' },
        quantized: { kind: 'top1', value: 0.5 },
      },
      targets: [{ ...example.targets[0], relativeError: Number.NaN }],
    };
    delete broken.peakRssBytes;
    expect(problemsOf(broken)).toEqual([
      'report.schemaVersion is 3; expected one of 2',
      'report.backend.reason is undefined; expected a string',
      'report.metrics.baseline.value is "high"; expected a finite number',
      'report.metrics.quantized.data is undefined; expected a string',
      'report.metrics.quantized.seconds is undefined; expected a finite number',
      'report.metrics.quantized.correct is undefined; expected a non-negative integer',
      'report.metrics.quantized.total is undefined; expected a non-negative integer',
      'report.targets[0].relativeError is NaN; expected a finite number',
      'report.peakRssBytes is undefined; expected a non-negative integer',
    ]);
  });

  it('rejects what is not a report at all', () => {
    expect(problemsOf([])).toEqual(['report is an array; expected an object']);
    expect(() => validateReport(null)).toThrow(
      /report is null; expected an object\. See docs\/report-schema\.md/,
    );
  });
});
