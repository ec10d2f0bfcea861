/** Machine-readable reason for a {@link LowbitError}. */
export type LowbitErrorCode =
  | 'BAD_ARGS' // an option is out of range or inconsistent
  | 'BAD_TENSOR' // NaN/Inf, empty, or wrong shape
  | 'BAD_FILE' // truncated, malformed or malicious file
  | 'MISSING_FILE' // a file or data set is not where it should be
  | 'NOT_PD' // a matrix is not positive definite
  | 'UNSUPPORTED_OP' // a graph op lowbit cannot run
  | 'BACKEND' // a tfjs backend could not be initialised
  | 'EXISTS' // an output would be overwritten
  | 'NOT_READY'; // a stateful object was used before it had what it needs (e.g. compute before update)

/**
 * The one error type lowbit throws for bad input. The message says what was wrong,
 * where, and how to fix it; `code` lets callers branch without parsing text.
 */
export class LowbitError extends Error {
  readonly code: LowbitErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: LowbitErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LowbitError';
    this.code = code;
    this.details = details;
  }
}

/** True for a LowbitError (by name and code, so it also holds across duplicated bundles). */
export function isLowbitError(e: unknown, code?: LowbitErrorCode): e is LowbitError {
  const candidate = e as LowbitError | undefined;
  return (
    candidate instanceof Error &&
    candidate.name === 'LowbitError' &&
    typeof candidate.code === 'string' &&
    (code === undefined || candidate.code === code)
  );
}
