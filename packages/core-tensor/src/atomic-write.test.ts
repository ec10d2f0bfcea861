import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesFile, writeAll, writeDirAtomic, writeFileAtomic, writeFilesAtomic } from './atomic-write';
import { isLowbitError } from './errors';

const bytes = (text: string) => new TextEncoder().encode(text);

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('writeFilesAtomic', () => {
  it('writes every file, and refuses to replace one without overwrite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    const files = ['a', 'b'].map((name) => bytesFile(join(dir, name), bytes(name)));
    writeFilesAtomic(files);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('b');
    const error = errorOf(() => writeFilesAtomic(files));
    expect(isLowbitError(error, 'EXISTS')).toBe(true);
    expect((error as Error).message).toContain('overwrite: true');
    writeFilesAtomic([bytesFile(join(dir, 'a'), bytes('new'))], { overwrite: true });
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('new');
  });

  it('leaves no file, partial or temporary, when a write throws midway', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    writeFileSync(join(dir, 'kept'), 'old');
    const failing = (path: string) => ({
      path,
      fill: (fd: number) => {
        writeAll(fd, bytes('half of it'));
        throw new Error('disk full');
      },
    });
    expect(() =>
      writeFilesAtomic([bytesFile(join(dir, 'first'), bytes('complete')), failing(join(dir, 'second'))]),
    ).toThrow('disk full');
    expect(readdirSync(dir)).toEqual(['kept']);
    expect(() => writeFilesAtomic([failing(join(dir, 'kept'))], { overwrite: true })).toThrow();
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'first'))).toBe(false);
  });

  it('takes the EXISTS message from the caller', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    writeFileSync(join(dir, 'kept'), 'old');
    const error = errorOf(() =>
      writeFilesAtomic([bytesFile(join(dir, 'kept'), bytes('new'))], {
        existsMessage: (path) => `Output ${path} is there; pass --force.`,
      }),
    );
    expect(isLowbitError(error, 'EXISTS')).toBe(true);
    expect((error as Error).message).toMatch(/^Output .*kept is there; pass --force\.$/);
  });
});

describe('writeFileAtomic', () => {
  it('leaves neither output nor temp file when the write fails', () => {
    const sub = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    const path = join(sub, 'out.bin');
    expect(() =>
      writeFileAtomic(path, () => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(sub)).toEqual([]);
  });

  it('a missing folder is MISSING_FILE', () => {
    const path = join(tmpdir(), `lowbit-no-such-folder-${process.pid}`, 'out.bin');
    const error = errorOf(() => writeFileAtomic(path, () => undefined));
    expect(isLowbitError(error, 'MISSING_FILE')).toBe(true);
    expect((error as Error).message).toMatch(/folder exists/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('writeDirAtomic', () => {
  it('writes a folder, refuses to replace it without overwrite, and replaces it with overwrite', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    const out = join(root, 'out');
    await writeDirAtomic(out, (dir) => writeFileSync(join(dir, 'a'), 'first'));
    expect(readdirSync(out)).toEqual(['a']);
    await expect(writeDirAtomic(out, () => undefined)).rejects.toMatchObject({ code: 'EXISTS' });
    await writeDirAtomic(out, (dir) => writeFileSync(join(dir, 'b'), 'second'), { overwrite: true });
    expect(readdirSync(out)).toEqual(['b']);
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('leaves the previous folder as it was, and no temporary, when filling fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    const out = join(root, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'kept'), 'old');
    const fill = async (dir: string) => {
      writeFileSync(join(dir, 'half'), 'of it');
      throw new Error('disk full');
    };
    await expect(writeDirAtomic(out, fill, { overwrite: true })).rejects.toThrow('disk full');
    expect(readdirSync(root)).toEqual(['out']);
    expect(readdirSync(out)).toEqual(['kept']);
    expect(readFileSync(join(out, 'kept'), 'utf8')).toBe('old');
  });

  it('a missing parent folder is MISSING_FILE', async () => {
    const out = join(tmpdir(), `lowbit-no-such-folder-${process.pid}`, 'out');
    await expect(writeDirAtomic(out, () => undefined)).rejects.toMatchObject({ code: 'MISSING_FILE' });
    expect(existsSync(out)).toBe(false);
  });
});
