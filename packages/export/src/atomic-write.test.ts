import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLowbitError } from '@lowbit/core-tensor';
import { describe, expect, it } from 'vitest';
import { writeAll, writeFilesAtomic, writeNewFile } from './atomic-write';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('writeFilesAtomic', () => {
  it('writes every file, and refuses to replace one without overwrite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    const text = (content: string) => (path: string) =>
      writeNewFile(path, (fd) => writeAll(fd, bytes(content)));
    const files = ['a', 'b'].map((name) => ({ path: join(dir, name), write: text(name) }));
    writeFilesAtomic(files);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('b');
    let error: unknown;
    try {
      writeFilesAtomic(files);
    } catch (e) {
      error = e;
    }
    expect(isLowbitError(error, 'EXISTS')).toBe(true);
    expect((error as Error).message).toContain('overwrite: true');
    writeFilesAtomic([{ path: join(dir, 'a'), write: text('new') }], { overwrite: true });
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('new');
  });

  it('leaves no file, partial or temporary, when a write throws midway', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-atomic-'));
    writeFileSync(join(dir, 'kept'), 'old');
    const failing = (path: string) =>
      writeNewFile(path, (fd) => {
        writeAll(fd, bytes('half of it'));
        throw new Error('disk full');
      });
    expect(() =>
      writeFilesAtomic([
        {
          path: join(dir, 'first'),
          write: (path) => writeNewFile(path, (fd) => writeAll(fd, bytes('complete'))),
        },
        { path: join(dir, 'second'), write: failing },
      ]),
    ).toThrow('disk full');
    expect(readdirSync(dir)).toEqual(['kept']);
    expect(() =>
      writeFilesAtomic([{ path: join(dir, 'kept'), write: failing }], { overwrite: true }),
    ).toThrow();
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'first'))).toBe(false);
  });
});
