import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LowbitManifest } from './format/index';
import { cnnFiles, type LowbitRun, llamaFiles, lowbit } from './test-support/lowbit';

const llama = llamaFiles();
const cnn = cnnFiles();
const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-bad-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A typed failure: exit code 2 and `error: <message>` on stderr, without a stack trace. */
function expectRejected(run: LowbitRun, message: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`error: .*${message.source}`));
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

function writeFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The first `count` tokens of a llama2.c tokenizer file (max_token_len, then score, length, bytes each). */
function truncatedTokenizer(bytes: Buffer, count: number): Buffer {
  let offset = 4;
  for (let i = 0; i < count; i++) offset += 8 + bytes.readInt32LE(offset + 4);
  return bytes.subarray(0, offset);
}

describe('usage errors and the backend', () => {
  it('rejects unknown options, bad values and unknown methods with exit code 2', async () => {
    expect((await lowbit(['quantize', 'm.bin', '--out', 'x', '--bogus'])).code).toBe(2);
    expect((await lowbit(['quantize', 'm.bin', '--out', 'x', '--group-size', 'abc'])).stderr).toMatch(
      /not a positive integer or "channel"/,
    );
    expect((await lowbit(['quantize', 'm.bin', '--out', 'x', '--method', 'nope'])).code).toBe(2);
    expectRejected(
      await lowbit(['quantize', 'm.bin', '--out', 'x', '--bits', '5']),
      /--bits 5 cannot be stored in the lowbit format/,
    );
    expectRejected(
      await lowbit(['quantize', 'm.bin', '--out', 'x', '--type', 'nf4', '--group-size', 'channel']),
      /nf4/,
    );
  });

  it('starts the backend and engine LOWBIT_BACKEND / LOWBIT_ENGINE name, and names a bad one', async () => {
    const missing = join(dir, 'absent.onnx');
    const cpu = await lowbit(['inspect', missing], { LOWBIT_BACKEND: 'cpu' });
    expect(cpu.stderr).toMatch(/^backend: cpu \(LOWBIT_BACKEND=cpu\)/);
    expect(cpu.stderr).toMatch(/^engine: onnxruntime on cpu, \d+ thread\(s\) \(auto; /m);
    expectRejected(cpu, /absent\.onnx not found/);
    const tfjs = await lowbit(['inspect', missing], { LOWBIT_ENGINE: 'tfjs', LOWBIT_THREADS: '1' });
    expect(tfjs.stderr).toMatch(/^engine: tfjs on tfjs backend, 1 thread\(s\) \(LOWBIT_ENGINE=tfjs\)/m);
    expectRejected(
      await lowbit(['inspect', missing], { LOWBIT_ENGINE: 'gpu' }),
      /LOWBIT_ENGINE is "gpu"; use one of auto, onnxruntime, tfjs/,
    );
    expectRejected(
      await lowbit(['inspect', missing], { LOWBIT_BACKEND: 'bogus' }),
      /LOWBIT_BACKEND is "bogus"/,
    );
  });
});

describe.skipIf(!llama)('bad llama inputs', () => {
  const { model, tokenizer, valid } = llama!;
  const checkpoint = () => readFileSync(model);

  it('names a missing model and missing data', async () => {
    expectRejected(
      await lowbit(['eval', join(dir, 'nope.bin'), '--data', valid]),
      /Model .*nope\.bin not found/,
    );
    expectRejected(
      await lowbit(['eval', model, '--data', join(dir, 'nope.txt'), '--tokenizer', tokenizer]),
      /nope\.txt" not found/,
    );
  });

  it('names a truncated checkpoint', async () => {
    const truncated = writeFile('truncated.bin', checkpoint().subarray(0, 500_000));
    expectRejected(await lowbit(['eval', truncated, '--data', valid, '--tokenizer', tokenizer]), /truncated/);
    expectRejected(await lowbit(['inspect', truncated]), /truncated/);
  });

  it('names a header whose dims disagree with the file size', async () => {
    const bytes = Buffer.from(checkpoint());
    bytes.writeInt32LE(4, 8); // n_layers 5 → 4
    const mismatched = writeFile('mismatched.bin', bytes);
    expectRejected(
      await lowbit(['quantize', mismatched, '--out', join(dir, 'never')]),
      /disagree with the file size/,
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('names a tokenizer whose vocabulary disagrees with the model', async () => {
    const small = writeFile('tok300.bin', truncatedTokenizer(readFileSync(tokenizer), 300));
    expectRejected(
      await lowbit(['eval', model, '--data', valid, '--tokenizer', small]),
      /tokenizer has 300 tokens but the model's vocabulary has 512/,
    );
    expectRejected(await lowbit(['generate', model, '--tokenizer', small]), /300 tokens/);
  });

  it('prints the stack of an unexpected failure and exits with 1', async () => {
    const run = await lowbit(['eval', model, '--data', dir, '--tokenizer', tokenizer]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/EISDIR[\s\S]*\n\s+at /);
  });

  it('asks for a tokenizer when text needs one', async () => {
    expectRejected(await lowbit(['eval', model, '--data', valid]), /pass --tokenizer FILE/);
  });

  it('refuses an existing output directory without --force, leaving it untouched', async () => {
    const out = join(dir, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    expectRejected(await lowbit(['quantize', model, '--out', out]), /already exists; pass --force/);
    expectRejected(await lowbit(['quantize', model, '--out', out, '--force']), /not a lowbit directory/);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
  });

  describe('a damaged lowbit directory', () => {
    const good = join(dir, 'good');

    beforeAll(async () => {
      const run = await lowbit([
        'quantize',
        model,
        '--group-size',
        '32',
        '--tokenizer',
        tokenizer,
        '--out',
        good,
      ]);
      expect(run.code, run.stderr).toBe(0);
    });

    function damaged(name: string, damage: (copy: string) => void): string {
      const copy = join(dir, name);
      cpSync(good, copy, { recursive: true });
      damage(copy);
      return copy;
    }

    function editManifest(copy: string, edit: (manifest: LowbitManifest) => void): void {
      const path = join(copy, 'lowbit.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8'));
      edit(manifest);
      writeFileSync(path, JSON.stringify(manifest));
    }

    it('names an unsupported format version', async () => {
      const copy = damaged('version', (c) => editManifest(c, (m) => (m.formatVersion = 99)));
      expectRejected(
        await lowbit(['eval', copy, '--data', valid]),
        /format version 99, but this lowbit reads version 1/,
      );
    });

    it('names a missing tensor file and a missing manifest', async () => {
      const noTensors = damaged('no-tensors', (c) => rmSync(join(c, 'quantized.safetensors')));
      expectRejected(
        await lowbit(['eval', noTensors, '--data', valid]),
        /incomplete: tensor file "quantized\.safetensors"/,
      );
      const noManifest = damaged('no-manifest', (c) => rmSync(join(c, 'lowbit.json')));
      expectRejected(await lowbit(['inspect', noManifest]), /holds no lowbit\.json/);
    });

    it('names a target whose shape disagrees with the base model or the stored codes', async () => {
      const shape = damaged('shape', (c) => editManifest(c, (m) => (m.targets[0].shape = [64, 32])));
      expectRejected(
        await lowbit(['eval', shape, '--data', valid]),
        /lists target "layers\.0\.attention\.wq" \[64,32\] but the base model has \[64,64\]/,
      );
      const group = damaged('group', (c) =>
        editManifest(c, (m) => (m.targets[0].granularity = { kind: 'group', axis: 1, size: 16 })),
      );
      expectRejected(
        await lowbit(['eval', group, '--data', valid]),
        /layers\.0\.attention\.wq\.scale \[64,2\], expected \[64,4\]/,
      );
    });

    it('names a truncated tensor file and a malformed manifest', async () => {
      const truncated = damaged('truncated-tensors', (c) => {
        const path = join(c, 'quantized.safetensors');
        const bytes = readFileSync(path);
        writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
      });
      expectRejected(
        await lowbit(['eval', truncated, '--data', valid]),
        /quantized\.safetensors: tensor ".*" ends at byte \d+.*truncated/,
      );
      const malformed = damaged('malformed', (c) =>
        editManifest(c, (m) => Reflect.deleteProperty(m.targets[1], 'bits')),
      );
      expectRejected(
        await lowbit(['eval', malformed, '--data', valid]),
        /lowbit\.json\.targets\[1\]\.bits is undefined/,
      );
    });
  });
});

describe.skipIf(!cnn)('bad ONNX inputs', () => {
  it('names an unsupported op and its node', async () => {
    const bytes = readFileSync(cnn!.model);
    const patched = Buffer.from(bytes.toString('latin1').replaceAll('LogSoftmax', 'LogSoftMin'), 'latin1');
    const path = writeFile('unsupported.onnx', patched);
    expectRejected(
      await lowbit(['quantize', path, '--out', join(dir, 'never-onnx')]),
      /ONNX op LogSoftMin \(node "[^"]+"\) is not supported/,
    );
    expect(existsSync(join(dir, 'never-onnx'))).toBe(false);
  });

  it('asks for --labels when they cannot be inferred', async () => {
    const images = join(dir, 'images.gz');
    cpSync(cnn!.images, images);
    expectRejected(
      await lowbit(['eval', cnn!.model, '--data', images]),
      /Cannot infer the labels file .* pass --labels FILE/,
    );
  });
});
