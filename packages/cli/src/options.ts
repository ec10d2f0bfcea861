import { InvalidArgumentError } from 'commander';

// Parsers for commander options: they reject bad values before any work starts.

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a non-negative number.`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return n;
}

/** A group size, or `channel` for one scale per output channel. */
export function groupSize(value: string): number | 'channel' {
  if (value === 'channel') return value;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a positive integer or "channel".`);
  }
}
