import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import { isLowbitDir } from './manifest';

/**
 * Refuses an existing `out` unless `force`; even then only a previous lowbit output or an empty
 * folder is replaced, so a mistyped --out never deletes unrelated files.
 */
export function assertOutputWritable(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!force) {
    throw new LowbitError(
      'EXISTS',
      `Output ${out} already exists; pass --force to replace it, or choose another --out.`,
      {
        path: out,
      },
    );
  }
  const replaceable = statSync(out).isDirectory() && (isLowbitDir(out) || readdirSync(out).length === 0);
  if (!replaceable) {
    throw new LowbitError(
      'EXISTS',
      `Output ${out} exists and is not a lowbit directory; --force only replaces a previous lowbit output. Choose another --out.`,
      { path: out },
    );
  }
}

/**
 * Fills a temporary sibling of `out`, then renames it into place, replacing a previous output:
 * readers never see a half-written directory, and a failure leaves `out` as it was.
 */
export async function writeDirAtomically(
  out: string,
  force: boolean,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const target = resolve(out);
  assertOutputWritable(target, force);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  const previous = `${target}.old-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary);
  try {
    await fill(temporary);
    if (existsSync(target)) renameSync(target, previous);
    renameSync(temporary, target);
  } finally {
    rmSync(temporary, { recursive: true, force: true });
    rmSync(previous, { recursive: true, force: true });
  }
}
