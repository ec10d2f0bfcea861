import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDataPath } from '@lowbit/core-tensor';
import { writeSyntheticLlama2c } from '@lowbit/models';
import { afterAll, describe, expect, it } from 'vitest';
import { validateReport } from './report/schema';
import { llamaFiles, lowbit, tableValue } from './test-support/lowbit';

const files = llamaFiles();
const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-formats-'));
/** stories260K's perplexity after RTN W4 g32 (llama.test.ts). */
const RTN_W4_G32 = 5.683;

function perplexityIn(stdout: string, label: string): number {
  const match = tableValue(stdout, label)?.match(/^perplexity ([\d.]+)/);
  return match ? Number(match[1]) : Number.NaN;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!files)('methods and output formats through the built CLI', () => {
  const { model, tokenizer, valid, train } = files!;
  const text = ['--tokenizer', tokenizer, '--eval-data', valid];

  it('GPTQ W4 g32 beats RTN, reports its losses, and evaluates from the lowbit directory', async () => {
    const out = join(dir, 'gptq');
    const report = join(dir, 'gptq.json');
    const args = ['--method', 'gptq', '--bits', '4', '--group-size', '32', '--calib', train];
    const run = await lowbit(['quantize', model, ...args, ...text, '--out', out, '--report', report]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('gptq loss');
    const { targets } = validateReport(JSON.parse(readFileSync(report, 'utf8')));
    expect(targets.every((t) => t.gptqLoss! <= t.rtnLoss! && t.damp! > 0)).toBe(true);
    const evaluated = perplexityIn((await lowbit(['eval', out, '--data', valid])).stdout, 'quantized');
    console.log(`stories260K GPTQ W4 g32 perplexity ${evaluated}`);
    expect(evaluated).toBeLessThan(RTN_W4_G32);
    expect(evaluated).toBeCloseTo(perplexityIn(run.stdout, 'quantized'), 3);
  });

  it('exports RTN W4 g64 to ONNX, whose onnxruntime perplexity matches lowbit’s within 0.5 %', async () => {
    const out = join(dir, 'onnx');
    const args = ['--bits', '4', '--group-size', '64', '--format', 'onnx', '--out', out];
    const run = await lowbit(['quantize', model, ...args, ...text]);
    expect(run.code).toBe(0);
    const measured = perplexityIn(run.stdout, 'quantized');
    const ort = perplexityIn((await lowbit(['eval', out, '--data', valid])).stdout, 'quantized');
    const file = perplexityIn(
      (await lowbit(['eval', join(out, 'model.onnx'), '--data', valid])).stdout,
      'quantized',
    );
    console.log(`stories260K RTN W4 g64 perplexity: lowbit ${measured}, onnxruntime ${ort}`);
    expect(Math.abs(ort / measured - 1)).toBeLessThan(0.005);
    expect(file).toBe(ort);
  });

  it('refuses --format onnx --bits 3 before any work, leaving no output', async () => {
    const out = join(dir, 'onnx-w3');
    const run = await lowbit(['quantize', model, '--bits', '3', '--format', 'onnx', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/support 2, 4 or 8 bits/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --format gptq for hidden 172 with the exporter’s message, leaving no output', async () => {
    const out = join(dir, 'gptq-172');
    const run = await lowbit(['quantize', model, '--group-size', '32', '--format', 'gptq', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot be packed into int32 words at 4 bits/);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['hqq', []],
    ['awq', ['--calib', train, '--samples', '8']],
  ])('runs --method %s end to end', async (method, extra) => {
    const args = ['--method', method, '--group-size', '32', ...extra, '--out', join(dir, method)];
    const run = await lowbit(['quantize', model, ...args, ...text]);
    expect(run.code).toBe(0);
    const ppl = perplexityIn(run.stdout, 'quantized');
    console.log(`stories260K ${method} W4 g32 perplexity ${ppl}`);
    expect(ppl).toBeLessThan(6.5);
  });

  it('writes a GPTQ checkpoint folder of a llama whose shapes pack, and evaluates it', async () => {
    const source = join(dir, 'synthetic.bin');
    writeSyntheticLlama2c(source, { layers: 2, dim: 64, hidden: 128, heads: 4, vocab: 512, seqLen: 64 });
    const out = join(dir, 'synthetic-gptq');
    const args = ['--group-size', '32', '--format', 'gptq', '--limit', '20', '--out', out];
    const run = await lowbit(['quantize', source, ...args, ...text]);
    expect(run.code).toBe(0);
    for (const file of ['config.json', 'quantize_config.json', 'model.safetensors', 'tokenizer.bin'])
      expect(existsSync(join(out, file))).toBe(true);
    const evaluated = await lowbit(['eval', out, '--data', valid, '--limit', '20']);
    expect(tableValue(evaluated.stdout, 'model')).toContain('(gptq');
    // fp16 scales in the checkpoint: within 0.1 % of the float32 scales quantize measured with.
    const ratio = perplexityIn(evaluated.stdout, 'quantized') / perplexityIn(run.stdout, 'quantized');
    expect(Math.abs(ratio - 1)).toBeLessThan(1e-3);
  });

  it.skipIf(!testDataPath('cnn/fashion-mnist-cnn.onnx'))('refuses --format gptq for a CNN', async () => {
    const cnn = testDataPath('cnn/fashion-mnist-cnn.onnx')!;
    const out = join(dir, 'cnn-gptq');
    const run = await lowbit(['quantize', cnn, '--format', 'gptq', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--format gptq writes llama decoders/);
    expect(existsSync(out)).toBe(false);
  });
});
