import { LowbitError } from '@lowbit/core-tensor';

/** GPTQ options as the caller writes them; every field is optional. */
export interface GptqConfigInput {
  /** Bits per integer code, 2–8 (default 4). */
  bits?: number;
  /** Group size along the input axis (a shorter last group is allowed), or `'channel'` for one scale per output row (default 128). */
  groupSize?: number | 'channel';
  /** Symmetric ranges around zero, no zero point (default false). */
  symmetric?: boolean;
  /** Quantize columns in order of decreasing Hessian diagonal, GPTQ's `desc_act` (default false). */
  actOrder?: boolean;
  /** Compute every group's qparams from the unquantized weight before the column loop (default false). */
  staticGroups?: boolean;
  /** Columns per lazy batch update (default 128). */
  blockSize?: number;
  /** First dampening, as a fraction of the mean Hessian diagonal, raised ×10 while H is not positive definite (default 0.01). */
  percdamp?: number;
  /** Quantize a block's layers group by group in execution order, re-capturing the inputs of each group (default true). */
  trueSequential?: boolean;
  /** Also quantize targets outside the blocks (embedding, classifier), with an identity Hessian (default false). */
  includeOuter?: boolean;
  /** Choose each group's range by a grid search of clip ratios (GPTQ's `find_params(mse=True)`) (default false). */
  mseSearch?: boolean;
}

export type GptqConfig = Readonly<Required<GptqConfigInput>>;

const DEFAULTS: GptqConfig = {
  bits: 4,
  groupSize: 128,
  symmetric: false,
  actOrder: false,
  staticGroups: false,
  blockSize: 128,
  percdamp: 0.01,
  trueSequential: true,
  includeOuter: false,
  mseSearch: false,
};

const FLAGS = [
  'symmetric',
  'actOrder',
  'staticGroups',
  'trueSequential',
  'includeOuter',
  'mseSearch',
] as const;

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function rejectUnknownKeys(input: GptqConfigInput): void {
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULTS))
      bad(`GPTQ option "${key}" is unknown; use one of ${Object.keys(DEFAULTS).join(', ')}.`);
  }
}

function validateNumbers(config: GptqConfig): void {
  const { bits, groupSize, blockSize, percdamp } = config;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8)
    bad(`bits is ${bits}; use an integer from 2 to 8 (e.g. bits: 4).`);
  if (groupSize !== 'channel' && (!Number.isInteger(groupSize) || groupSize < 1)) {
    bad(`groupSize is ${groupSize}; use a positive integer such as 32, 64 or 128, or 'channel'.`);
  }
  if (!Number.isInteger(blockSize) || blockSize < 1)
    bad(`blockSize is ${blockSize}; use a positive integer such as 128.`);
  if (!(percdamp > 0 && percdamp <= 1))
    bad(`percdamp is ${percdamp}; use a fraction in (0, 1] such as 0.01.`);
}

function validateFlags(config: GptqConfig): void {
  for (const flag of FLAGS) {
    if (typeof config[flag] !== 'boolean') bad(`${flag} is ${String(config[flag])}; use true or false.`);
  }
  if (config.staticGroups && config.groupSize === 'channel') {
    bad('staticGroups needs groups; set groupSize to a number such as 128, or drop staticGroups.');
  }
}

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function gptqConfig(input: GptqConfigInput = {}): GptqConfig {
  rejectUnknownKeys(input);
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const config: GptqConfig = { ...DEFAULTS, ...defined };
  validateNumbers(config);
  validateFlags(config);
  return Object.freeze(config);
}

/** 4-bit asymmetric GPTQ with groups of 128, blocks of 128, 1 % dampening, true-sequential. */
export function defaultGptqConfig(): GptqConfig {
  return gptqConfig();
}
