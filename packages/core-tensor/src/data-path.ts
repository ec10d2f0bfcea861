import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LowbitError } from './errors';

/**
 * The folder of lowbit's real models and data: `LOWBIT_DATA`, else the first `../shared/data`
 * found beside the working directory or one of its parents (a checkout's sibling `shared/`).
 */
export function dataRoot(): string | undefined {
  if (process.env.LOWBIT_DATA) return resolve(process.env.LOWBIT_DATA);
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, '..', 'shared', 'data');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Absolute path of a data file such as `llm/stories260K.bin`; throws MISSING_FILE naming the fix. */
export function dataPath(relative: string): string {
  const root = dataRoot();
  const path = root ? join(root, relative) : undefined;
  if (!path || !existsSync(path)) {
    throw new LowbitError(
      'MISSING_FILE',
      `Data file "${relative}" not found${root ? ` under ${root}` : ''}. Set LOWBIT_DATA to the folder that holds it (default ../shared/data).`,
    );
  }
  return path;
}

/**
 * For tests: the absolute path of a data file, or undefined so the test can skip. Under CI=true a
 * missing file is a failure, never a skip. `root` overrides the data folder (e.g. Debian's datasets).
 */
export function testDataPath(relative: string, root?: string): string | undefined {
  const base = root ?? dataRoot();
  const path = base ? join(base, relative) : undefined;
  if (path && existsSync(path)) return path;
  if (process.env.CI === 'true') {
    throw new LowbitError(
      'MISSING_FILE',
      `Test data "${relative}" is missing${base ? ` under ${base}` : ''}; CI requires it. Install it (see .ci/run) or set LOWBIT_DATA.`,
    );
  }
  return undefined;
}
