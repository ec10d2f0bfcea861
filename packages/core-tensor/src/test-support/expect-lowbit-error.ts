import { isLowbitError, type LowbitError, type LowbitErrorCode } from '../errors';

/**
 * Runs `run` and returns the LowbitError it throws, after checking its code and that its message
 * matches every pattern (a RegExp, or a string it must contain). Anything else throws an Error,
 * which fails the calling test in any test runner.
 */
export function expectLowbitError(
  run: () => unknown,
  code: LowbitErrorCode,
  ...patterns: (RegExp | string)[]
): LowbitError {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  if (!isLowbitError(thrown)) {
    throw new Error(
      `Expected a LowbitError ${code}, got ${thrown === undefined ? 'no error' : String(thrown)}.`,
    );
  }
  if (thrown.code !== code)
    throw new Error(`Expected LowbitError ${code}, got ${thrown.code}: ${thrown.message}`);
  for (const pattern of patterns) {
    const matches =
      typeof pattern === 'string' ? thrown.message.includes(pattern) : pattern.test(thrown.message);
    if (!matches)
      throw new Error(`LowbitError message ${JSON.stringify(thrown.message)} does not match ${pattern}.`);
  }
  return thrown;
}
