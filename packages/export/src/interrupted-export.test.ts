import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, runRecipe } from '@lowbit/core-tensor';
import { rtn } from '@lowbit/rtn';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { writeGptqCheckpoint } from './gptq/write';
import { exportLlamaOnnx } from './onnx/export-llama';
import { randomLlama, smallConfig } from './test-support/models';

/** writeSync fails (after writing half of its buffer) once `after` calls have succeeded. */
const disk = vi.hoisted(() => ({ after: Number.POSITIVE_INFINITY, calls: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, buffer: Uint8Array, offset = 0, length = buffer.length - offset) => {
    if (disk.calls++ < disk.after) return fs.writeSync(fd, buffer, offset, length);
    fs.writeSync(fd, buffer, offset, Math.floor(length / 2));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

function failAfter(writes: number): void {
  disk.after = writes;
  disk.calls = 0;
}

describe('an export interrupted mid-write', () => {
  const model = randomLlama(smallConfig());

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    runRecipe(model, [rtn({ bits: 4, groupSize: 32 })]);
  });

  it('leaves no ONNX file, external data or temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-interrupted-'));
    failAfter(0);
    expect(() => exportLlamaOnnx(model, join(dir, 'model.onnx'))).toThrow('ENOSPC');
    failAfter(5);
    expect(() => exportLlamaOnnx(model, join(dir, 'model.onnx'), { externalData: true })).toThrow('ENOSPC');
    expect(disk.calls).toBe(6);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the previous file intact when an overwrite fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-interrupted-'));
    const path = join(dir, 'model.onnx');
    failAfter(Number.POSITIVE_INFINITY);
    exportLlamaOnnx(model, path);
    const before = readFileSync(path);
    failAfter(0);
    expect(() => exportLlamaOnnx(model, path, { overwrite: true, accuracyLevel: 4 })).toThrow('ENOSPC');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });

  it('leaves no GPTQ checkpoint file when any of its files fails', () => {
    const root = mkdtempSync(join(tmpdir(), 'lowbit-interrupted-'));
    failAfter(Number.POSITIVE_INFINITY);
    writeGptqCheckpoint(model, join(root, 'complete'));
    const writes = disk.calls;
    // In model.safetensors (the first file), then in config.json (the last one).
    for (const after of [1, writes - 1]) {
      const dir = join(root, `failed-after-${after}`);
      failAfter(after);
      expect(() => writeGptqCheckpoint(model, dir)).toThrow('ENOSPC');
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});
