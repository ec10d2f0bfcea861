import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { LowbitError } from './errors';

// Output appears complete or not at all: everything is written to a temporary sibling, flushed,
// then renamed into place. A failure removes the temporaries and leaves any previous output as it was.

export interface OverwriteOptions {
  /** Replace existing output (default false: LowbitError 'EXISTS'). */
  overwrite?: boolean;
}

/** OverwriteOptions plus the EXISTS message, for callers whose users set `overwrite` another way. */
export interface WritableOptions extends OverwriteOptions {
  /** The message of the EXISTS error for `path` (default: names `{ overwrite: true }`). */
  existsMessage?: (path: string) => string;
}

/** One output file and the function that writes all of its bytes to an open descriptor. */
export interface OutputFile {
  path: string;
  fill(fd: number): void;
}

/** Appends all of `bytes` to `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** An OutputFile holding exactly `bytes`. */
export function bytesFile(path: string, bytes: Uint8Array): OutputFile {
  return { path, fill: (fd) => writeAll(fd, bytes) };
}

/** EXISTS for the first of `paths` that exists, unless `options.overwrite`. */
export function assertWritable(paths: readonly string[], options: WritableOptions = {}): void {
  if (options.overwrite) return;
  const existing = paths.find((p) => existsSync(p));
  if (existing === undefined) return;
  const message =
    options.existsMessage?.(existing) ??
    `${existing} already exists; pass { overwrite: true } or choose another path.`;
  throw new LowbitError('EXISTS', message, { path: existing });
}

let sequence = 0;

/** A fresh name beside `path` for its temporary copy. */
function temporarySibling(path: string): string {
  return `${path}.${process.pid}.${Date.now()}.${sequence++}.tmp`;
}

function cannotCreate(path: string, e: unknown): LowbitError {
  return new LowbitError(
    'MISSING_FILE',
    `Cannot create "${path}" (${(e as Error).message}); check that its folder exists and is writable.`,
  );
}

/** Creates `temporary`, fills it and flushes it to disk; errors name `path`, the file it stands for. */
function writeTemporary(temporary: string, file: OutputFile): void {
  let fd: number;
  try {
    fd = openSync(temporary, 'wx');
  } catch (e) {
    throw cannotCreate(file.path, e);
  }
  try {
    file.fill(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes every file to a temporary sibling, then renames them all into place: a failure while
 * writing leaves neither partial outputs nor temporary files behind. Existing files are EXISTS
 * unless `options.overwrite`.
 */
export function writeFilesAtomic(files: readonly OutputFile[], options: WritableOptions = {}): void {
  assertWritable(
    files.map((f) => f.path),
    options,
  );
  const temporaries = files.map((f) => temporarySibling(f.path));
  try {
    files.forEach((file, i) => {
      writeTemporary(temporaries[i], file);
    });
    files.forEach((file, i) => {
      renameSync(temporaries[i], file.path);
    });
  } catch (e) {
    for (const temporary of temporaries) rmSync(temporary, { force: true });
    throw e;
  }
}

/** Writes `path` through `fill(fd)` as {@link writeFilesAtomic} does: readers never see a partial file. */
export function writeFileAtomic(
  path: string,
  fill: (fd: number) => void,
  options: WritableOptions = {},
): void {
  writeFilesAtomic([{ path, fill }], options);
}

/**
 * Fills a temporary sibling folder of `dir` through `fill(temporary)`, then renames it into place,
 * replacing a previous `dir` when `options.overwrite`: readers never see a half-written folder, and
 * a failure leaves `dir` as it was. The parent folder must exist (else MISSING_FILE).
 */
export async function writeDirAtomic(
  dir: string,
  fill: (temporary: string) => void | Promise<void>,
  options: WritableOptions = {},
): Promise<void> {
  assertWritable([dir], options);
  const temporary = temporarySibling(dir);
  const previous = temporarySibling(dir);
  try {
    mkdirSync(temporary);
  } catch (e) {
    throw cannotCreate(dir, e);
  }
  try {
    await fill(temporary);
    const replacing = existsSync(dir);
    if (replacing) renameSync(dir, previous);
    try {
      renameSync(temporary, dir);
    } catch (e) {
      if (replacing) renameSync(previous, dir);
      throw e;
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
    rmSync(previous, { recursive: true, force: true });
  }
}
