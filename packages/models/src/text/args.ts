import { LowbitError } from '@lowbit/core-tensor';

/** Throws BAD_ARGS unless `value` is a positive integer. */
export function assertPositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new LowbitError('BAD_ARGS', `${name} is ${value}; it must be a positive integer.`);
  }
}
