import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateReport } from './report/schema';
import { llamaFiles, lowbit, tableValue } from './test-support/lowbit';

const files = llamaFiles();
const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-llama-'));
const out = join(dir, 'stories260K-w4g32');
const reportPath = join(dir, 'report.json');
/** The reference greedy continuation from BOS (shared/README.md). */
const REFERENCE_START =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

function perplexityIn(stdout: string, label: string): number {
  const match = tableValue(stdout, label)?.match(/^perplexity ([\d.]+)/);
  return match ? Number(match[1]) : Number.NaN;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!files)('stories260K through the built CLI', () => {
  const { model, tokenizer, valid } = files!;

  it('quantizes RTN W4 g32 to a lowbit directory, evaluating before and after', async () => {
    const args = [
      'quantize',
      model,
      '--method',
      'rtn',
      '--bits',
      '4',
      '--group-size',
      '32',
      '--tokenizer',
      tokenizer,
    ];
    const run = await lowbit([...args, '--eval-data', valid, '--out', out, '--report', reportPath]);
    expect(run.stderr).toMatch(/^backend: \w+/);
    expect(run.code).toBe(0);
    const baseline = perplexityIn(run.stdout, 'baseline');
    const quantized = perplexityIn(run.stdout, 'quantized');
    console.log(`stories260K perplexity: fp32 ${baseline}, RTN W4 g32 ${quantized}`);
    expect(baseline).toBeGreaterThan(5.0);
    expect(baseline).toBeLessThan(5.4);
    expect(quantized).toBeGreaterThan(baseline);
    expect(quantized).toBeLessThan(8);
    const report = validateReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    expect(report.targets).toHaveLength(35);
    expect(report.targets.every((t) => t.bits === 4 && t.granularity === 'group 32 (axis 1)')).toBe(true);
    expect(report.metrics.quantized?.value).toBeCloseTo(quantized, 3);
    expect(report.engine).toMatchObject({ name: 'onnxruntime', device: 'cpu' });
    expect(report.engine.threads).toBeGreaterThanOrEqual(1);
  });

  it('evaluates the lowbit directory to the perplexity measured when quantizing', async () => {
    const run = await lowbit(['eval', out, '--data', valid]);
    expect(run.code).toBe(0);
    const ppl = perplexityIn(run.stdout, 'quantized');
    const report = validateReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    expect(Number.isFinite(ppl)).toBe(true);
    expect(ppl).toBeGreaterThan(5.2);
    expect(ppl).toBeLessThan(8);
    expect(ppl).toBeCloseTo(report.metrics.quantized!.value, 3);
  });

  it('inspects the lowbit directory: manifest, every target, files', async () => {
    const run = await lowbit(['inspect', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lowbit quantized directory');
    expect(tableValue(run.stdout, 'base model')).toBe('model.bin (llama2c)');
    expect(run.stdout).toMatch(
      /layers\.4\.feed_forward\.w3 +│ linear │ \[172, 64\] │ int4 group 32 \(axis 1\)/,
    );
    for (const file of ['lowbit.json', 'quantized.safetensors', 'model.bin', 'tokenizer.bin'])
      expect(run.stdout).toContain(file);
  });

  it('generates the reference story from the fp32 model, and a story from the lowbit directory', async () => {
    const fp32 = await lowbit(['generate', model, '--tokenizer', tokenizer, '--steps', '40']);
    expect(fp32.code).toBe(0);
    expect(fp32.stdout.startsWith(REFERENCE_START)).toBe(true);
    const quantized = await lowbit(['generate', out, '--steps', '20']);
    expect(quantized.code).toBe(0);
    expect(quantized.stdout.startsWith('Once upon a time')).toBe(true);
  });

  it('inspects a llama2.c checkpoint and its tokenizer', async () => {
    const checkpoint = await lowbit(['inspect', model]);
    expect(checkpoint.code).toBe(0);
    expect(tableValue(checkpoint.stdout, 'n_kv_heads')).toBe('4');
    expect(tableValue(checkpoint.stdout, 'classifier')).toBe('shared with the token embedding');
    const vocabulary = await lowbit(['inspect', tokenizer]);
    expect(tableValue(vocabulary.stdout, 'vocab_size')).toBe('512');
  });

  it('replaces a previous lowbit output only with --force', async () => {
    const args = ['quantize', model, '--bits', '8', '--group-size', 'channel', '--out', out];
    const refused = await lowbit(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/error: Output .* already exists; pass --force/);
    const replaced = await lowbit([...args, '--force']);
    expect(replaced.code).toBe(0);
    const inspect = await lowbit(['inspect', out]);
    expect(inspect.stdout).toContain('int8 per-channel(axis 0)');
    expect(inspect.stdout).not.toContain('tokenizer.bin');
  });
});
