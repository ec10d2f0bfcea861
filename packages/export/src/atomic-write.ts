import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';

export interface OverwriteOptions {
  /** Replace existing output files (default false: LowbitError 'EXISTS'). */
  overwrite?: boolean;
}

/** One output file and the function that writes all of it at a (temporary) path. */
export interface OutputFile {
  path: string;
  write(path: string): void;
}

/** Appends all of `bytes` to `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Creates `path`, fills it through `fill(fd)` and flushes it to disk. */
export function writeNewFile(path: string, fill: (fd: number) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    throw new LowbitError(
      'MISSING_FILE',
      `Cannot create "${path}" (${(e as Error).message}); check that its folder exists and is writable.`,
    );
  }
  try {
    fill(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function assertWritable(paths: readonly string[], options: OverwriteOptions): void {
  if (options.overwrite) return;
  const existing = paths.find((p) => existsSync(p));
  if (existing) {
    throw new LowbitError(
      'EXISTS',
      `${existing} already exists; pass { overwrite: true } or choose another path.`,
      { path: existing },
    );
  }
}

/**
 * Writes every file to a temporary sibling, then renames them all into place: a failure while
 * writing leaves neither partial outputs nor temporary files behind.
 */
export function writeFilesAtomic(files: readonly OutputFile[], options: OverwriteOptions = {}): void {
  assertWritable(
    files.map((f) => f.path),
    options,
  );
  const temporaries = files.map((f, i) => `${f.path}.${process.pid}.${Date.now()}.${i}.tmp`);
  try {
    files.forEach((file, i) => {
      file.write(temporaries[i]);
    });
    files.forEach((file, i) => {
      renameSync(temporaries[i], file.path);
    });
  } catch (e) {
    for (const temporary of temporaries) rmSync(temporary, { force: true });
    throw e;
  }
}
