import { type ClipSearchOptions, LowbitError } from '@lowbit/core-tensor';

export type RtnType = 'int' | 'nf4' | 'fp4';

/** RTN options as the caller writes them; every field is optional. */
export interface RtnConfigInput {
  /** Bits per code: 2–8 for `int`; always 4 for nf4/fp4 (default 4). */
  bits?: number;
  /** `int` (uniform), or bitsandbytes-style `nf4` / `fp4` (default `int`). */
  type?: RtnType;
  /**
   * `int`: group size along the input axis, or `'channel'` for one scale per output row (default 128).
   * nf4/fp4: block size over the flattened tensor (default 64, as bitsandbytes).
   */
  groupSize?: number | 'channel';
  /** `int` only: symmetric ranges around zero (default false); nf4/fp4 are symmetric by construction. */
  symmetric?: boolean;
  /** Per-group MSE clip search: `true` for core's defaults, or its options (default false). */
  mseSearch?: boolean | ClipSearchOptions;
  /** nf4/fp4 only: 8-bit quantization of the block scales, as bitsandbytes' compress_statistics. */
  doubleQuant?: boolean;
}

/** A validated RTN configuration with every default filled in. */
export interface RtnConfig {
  readonly bits: number;
  readonly type: RtnType;
  readonly groupSize: number | 'channel';
  readonly symmetric: boolean;
  readonly mseSearch: false | Readonly<ClipSearchOptions>;
  readonly doubleQuant: boolean;
}

const TYPES: RtnType[] = ['int', 'nf4', 'fp4'];

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function validateBits(bits: number, type: RtnType): void {
  if (type !== 'int') {
    if (bits !== 4) bad(`type "${type}" always uses 4 bits, but bits is ${bits}; drop bits or set bits: 4.`);
    return;
  }
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    bad(`bits is ${bits}; use an integer from 2 to 8 for int RTN (e.g. bits: 4).`);
  }
}

function validateGroupSize(groupSize: number | 'channel', type: RtnType): void {
  if (groupSize === 'channel') {
    if (type !== 'int')
      bad(`type "${type}" uses blocks over the flattened tensor; set groupSize to a block size such as 64.`);
    return;
  }
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    bad(`groupSize is ${groupSize}; use a positive integer such as 32, 64 or 128, or 'channel'.`);
  }
}

function validateSearch(search: ClipSearchOptions): void {
  const { grid = 100, maxShrink = 0.8, norm = 2.4 } = search;
  if (!Number.isInteger(grid) || grid < 1)
    bad(`mseSearch.grid is ${grid}; use a positive integer such as 100.`);
  if (!(maxShrink >= 0 && maxShrink < 1))
    bad(`mseSearch.maxShrink is ${maxShrink}; use a number in [0, 1) such as 0.8.`);
  if (!(norm > 0)) bad(`mseSearch.norm is ${norm}; use a positive number such as 2.4.`);
}

function resolveSearch(mseSearch: RtnConfigInput['mseSearch']): RtnConfig['mseSearch'] {
  if (mseSearch === undefined || mseSearch === false) return false;
  const options = mseSearch === true ? {} : mseSearch;
  validateSearch(options);
  return Object.freeze({ ...options });
}

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function rtnConfig(input: RtnConfigInput = {}): RtnConfig {
  const type = input.type ?? 'int';
  if (!TYPES.includes(type)) bad(`type "${type}" is unknown; use one of ${TYPES.join(', ')}.`);
  const bits = input.bits ?? 4;
  validateBits(bits, type);
  const groupSize = input.groupSize ?? (type === 'int' ? 128 : 64);
  validateGroupSize(groupSize, type);
  const symmetric = input.symmetric ?? type !== 'int';
  if (type !== 'int' && !symmetric)
    bad(`type "${type}" is symmetric by construction; drop symmetric or set it to true.`);
  const doubleQuant = input.doubleQuant ?? false;
  if (doubleQuant && type === 'int') bad(`doubleQuant applies to nf4/fp4 only; drop it or set type: 'nf4'.`);
  return Object.freeze({
    bits,
    type,
    groupSize,
    symmetric,
    mseSearch: resolveSearch(input.mseSearch),
    doubleQuant,
  });
}

/** 4-bit asymmetric int RTN with groups of 128, no clip search. */
export function defaultRtnConfig(): RtnConfig {
  return rtnConfig();
}
