import { LowbitError } from '@lowbit/core-tensor';

/** AWQ options as the caller writes them; every field is optional. */
export interface AwqConfigInput {
  /** Bits of the integer quantization AWQ prepares for, 2–8 (default 4). */
  bits?: number;
  /** Group size along the input axis (a shorter last group is allowed), or `'channel'` (default 128). */
  groupSize?: number | 'channel';
  /** Symmetric ranges around zero, no zero point (default false, as AutoAWQ's zero_point: true). */
  symmetric?: boolean;
  /** Scale exponents tried: r = 0, 1/gridSize, …, (gridSize − 1)/gridSize (default 20). */
  gridSize?: number;
  /** Search a clipping range per output channel and group after scaling (default true). */
  clip?: boolean;
  /** Clip ranges tried go from the group's absmax down by at most this fraction (default 0.5). */
  maxShrink?: number;
  /** Clip steps: ranges absmax·(1 − i/clipGrid) for i < maxShrink·clipGrid (default 20). */
  clipGrid?: number;
  /** AutoAWQ's duo_scaling: s = x̄^r / w̄^(1−r), w̄ the mean group-normalised |w| (default false). */
  duoScaling?: boolean;
}

export type AwqConfig = Readonly<Required<AwqConfigInput>>;

const DEFAULTS: AwqConfig = {
  bits: 4,
  groupSize: 128,
  symmetric: false,
  gridSize: 20,
  clip: true,
  maxShrink: 0.5,
  clipGrid: 20,
  duoScaling: false,
};

const FLAGS = ['symmetric', 'clip', 'duoScaling'] as const;

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function rejectUnknownKeys(input: AwqConfigInput): void {
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULTS))
      bad(`AWQ option "${key}" is unknown; use one of ${Object.keys(DEFAULTS).join(', ')}.`);
  }
}

function validateQuantization({ bits, groupSize }: AwqConfig): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8)
    bad(`bits is ${bits}; use an integer from 2 to 8 (e.g. bits: 4).`);
  if (groupSize !== 'channel' && (!Number.isInteger(groupSize) || groupSize < 1)) {
    bad(`groupSize is ${groupSize}; use a positive integer such as 32, 64 or 128, or 'channel'.`);
  }
}

function validateSearch({ gridSize, maxShrink, clipGrid }: AwqConfig): void {
  if (!Number.isInteger(gridSize) || gridSize < 1)
    bad(`gridSize is ${gridSize}; use a positive integer such as 20.`);
  if (!(maxShrink > 0 && maxShrink < 1))
    bad(`maxShrink is ${maxShrink}; use a number in (0, 1) such as 0.5.`);
  if (!Number.isInteger(clipGrid) || clipGrid < 1)
    bad(`clipGrid is ${clipGrid}; use a positive integer such as 20.`);
}

function validateFlags(config: AwqConfig): void {
  for (const flag of FLAGS) {
    if (typeof config[flag] !== 'boolean') bad(`${flag} is ${String(config[flag])}; use true or false.`);
  }
}

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function awqConfig(input: AwqConfigInput = {}): AwqConfig {
  rejectUnknownKeys(input);
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const config: AwqConfig = { ...DEFAULTS, ...defined };
  validateQuantization(config);
  validateSearch(config);
  validateFlags(config);
  return Object.freeze(config);
}

/** 4-bit asymmetric groups of 128, AutoAWQ's 20-point scale grid and clip search down to 0.55·absmax. */
export function defaultAwqConfig(): AwqConfig {
  return awqConfig();
}
