import { isLowbitError, type LowbitErrorCode } from '@lowbit/core-tensor';
import { expect } from 'vitest';

/** Asserts that `f` throws a LowbitError with `code` and a message matching `pattern`. */
export function expectError(f: () => unknown, code: LowbitErrorCode, pattern: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(isLowbitError(thrown), `expected a LowbitError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  expect((thrown as Error).message).toMatch(pattern);
}
