import { existsSync, readFileSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';

/** Throws MISSING_FILE naming the file and what it should be. */
export function assertFileExists(path: string, what: string): void {
  if (!existsSync(path)) {
    throw new LowbitError(
      'MISSING_FILE',
      `${what} "${path}" not found. Check the path (data lives under LOWBIT_DATA).`,
    );
  }
}

/** A file's bytes; MISSING_FILE when absent. */
export function readBytes(path: string, what: string): Uint8Array {
  assertFileExists(path, what);
  return readFileSync(path);
}

/** The non-blank lines of a text file (LF or CRLF), unchanged otherwise. */
export function readTextLines(path: string): string[] {
  const text = new TextDecoder().decode(readBytes(path, 'Text file'));
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}
