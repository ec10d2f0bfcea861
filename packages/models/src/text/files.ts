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

/** A JSON file's value; BAD_FILE when it cannot be read or parsed, the message ending with `remedy`. */
export function readJsonFile(path: string, remedy?: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const message = `${path} is not valid JSON (${(e as Error).message}).`;
    throw new LowbitError('BAD_FILE', remedy ? `${message} ${remedy}` : message, { path });
  }
}

/** The non-blank lines of a text file (LF or CRLF), unchanged otherwise. */
export function readTextLines(path: string): string[] {
  const text = new TextDecoder().decode(readBytes(path, 'Text file'));
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}
