import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { testDataPath } from '@lowbit/core-tensor';

const CLI = resolve(__dirname, '../../dist/cli.js');

export interface LowbitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `lowbit` bin in plain Node (as users do: tfjs registers gradients differently
 * under vitest). Build it first with `npx tsup` (turbo's test task does).
 */
export function lowbit(args: readonly string[], env: Record<string, string> = {}): Promise<LowbitRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; build the package first (npx tsup).`);
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const FASHION_MNIST = process.env.LOWBIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

/** The real files the tests use, or undefined (a skip; a failure under CI=true) when absent. */
export function llamaFiles() {
  const model = testDataPath('llm/stories260K.bin');
  const tokenizer = testDataPath('llm/tok512.bin');
  const valid = testDataPath('text/tinystories-valid.txt');
  const train = testDataPath('text/tinystories-train-excerpt.txt');
  return model && tokenizer && valid && train ? { model, tokenizer, valid, train } : undefined;
}

export function cnnFiles() {
  const model = testDataPath('cnn/fashion-mnist-cnn.onnx');
  const images = testDataPath('t10k-images-idx3-ubyte.gz', FASHION_MNIST);
  const labels = testDataPath('t10k-labels-idx1-ubyte.gz', FASHION_MNIST);
  return model && images && labels ? { model, images, labels } : undefined;
}

/** The value in a `│ label │ value │` row of a printed table. */
export function tableValue(stdout: string, label: string): string | undefined {
  const row = stdout.split('\n').find((line) => line.startsWith(`│ ${label} `));
  return row?.split('│')[2]?.trim();
}
