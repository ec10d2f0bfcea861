import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assertWritable, LowbitError, writeDirAtomic } from '@lowbit/core-tensor';
import { isExportDir } from './export-manifest';
import { isLowbitDir } from './manifest';

/**
 * Refuses an existing `out` unless `force`; even then only a previous lowbit output or an empty
 * folder (or a previous export) is replaced, so a mistyped --out never deletes unrelated files.
 */
export function assertOutputWritable(out: string, force: boolean): void {
  assertWritable([out], {
    overwrite: force,
    existsMessage: (path) =>
      `Output ${path} already exists; pass --force to replace it, or choose another --out.`,
  });
  if (!existsSync(out)) return;
  const replaceable =
    statSync(out).isDirectory() && (isLowbitDir(out) || isExportDir(out) || readdirSync(out).length === 0);
  if (!replaceable) {
    throw new LowbitError(
      'EXISTS',
      `Output ${out} exists and is not a lowbit directory; --force only replaces a previous lowbit output. Choose another --out.`,
      { path: out },
    );
  }
}

/**
 * Checks `out` (see assertOutputWritable), creates its parent folders, then fills it atomically:
 * readers never see a half-written directory, and a failure leaves `out` as it was.
 */
export async function writeOutputDir(
  out: string,
  force: boolean,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const target = resolve(out);
  assertOutputWritable(target, force);
  mkdirSync(dirname(target), { recursive: true });
  await writeDirAtomic(target, fill, { overwrite: force });
}
