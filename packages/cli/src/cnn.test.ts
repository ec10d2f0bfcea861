import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateReport } from './report/schema';
import { cnnFiles, lowbit, tableValue } from './test-support/lowbit';

const files = cnnFiles();
const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-cnn-'));
const out = join(dir, 'cnn-w8');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function top1In(stdout: string, label: string): number {
  const match = tableValue(stdout, label)?.match(/^top-1 ([\d.]+) %/);
  return match ? Number(match[1]) / 100 : Number.NaN;
}

describe.skipIf(!files)('the Fashion-MNIST ONNX CNN through the built CLI', () => {
  const { model, images } = files!;

  it('quantizes W8 per-channel to a lowbit directory', async () => {
    const run = await lowbit(['quantize', model, '--bits', '8', '--group-size', 'channel', '--out', out]);
    expect(run.code).toBe(0);
    for (const target of ['conv1.weight', 'conv2.weight', 'conv3.weight', 'fc1.weight', 'fc2.weight']) {
      expect(run.stdout).toMatch(new RegExp(`${target} +│ \\w+ +│ [^│]+│ int8 per-channel\\(axis 0\\)`));
    }
    expect(tableValue(run.stdout, 'quantized weights')).toMatch(/3\.49 MiB fp32 → .* \(3\.9\d×\)/);
  });

  it('evaluates the lowbit directory on 2000 t10k images, labels inferred, with a valid report', async () => {
    const reportPath = join(dir, 'eval.json');
    const run = await lowbit(['eval', out, '--data', images, '--limit', '2000', '--report', reportPath]);
    expect(run.code).toBe(0);
    const accuracy = top1In(run.stdout, 'quantized');
    console.log(`Fashion-MNIST CNN RTN W8 per-channel: top-1 ${accuracy} on the first 2000 t10k images`);
    expect(accuracy).toBeGreaterThan(0.88);
    const report = validateReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    expect(report.command).toBe('eval');
    expect(report.metrics).toMatchObject({ baseline: null, quantized: { kind: 'top1', total: 2000 } });
    expect(report.targets.map((t) => t.name)).toContain('fc1.weight');
    expect(report.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('inspects the ONNX graph: ops, whether lowbit runs them, initializers', async () => {
    const run = await lowbit(['inspect', model]);
    expect(run.code).toBe(0);
    expect(tableValue(run.stdout, 'opset')).toBe('10');
    expect(run.stdout).toMatch(/│ Conv +│ 3 +│ yes/);
    expect(run.stdout).toMatch(/│ fc1\.weight +│ \[256, 3200\] +│ float32 │ 819200/);
  });
});
