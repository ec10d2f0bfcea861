import { type ClipSearchOptions, LowbitError } from '@lowbit/core-tensor';

/** AdaRound's soft rounding (Nagel et al., 2020) or FlexRound's learnable division (Lee et al., 2023). */
export type RoundingMethod = 'adaround' | 'flexround';
/** Where each layer's reconstruction input comes from (the target output always comes from float inputs). */
export type InputMode = 'quantized' | 'float';
/** How β falls from betaRange[0] to betaRange[1] after the warm start. */
export type BetaDecay = 'cosine' | 'linear';

/** AdaRound options as the caller writes them; every field is optional. */
export interface AdaroundConfigInput {
  /** `adaround` (default) or `flexround`. */
  method?: RoundingMethod;
  /** Weight bits, 2–8 (default 4). */
  bits?: number;
  /** Symmetric signed codes (default true); false: asymmetric unsigned codes with a zero point. */
  symmetric?: boolean;
  /** One scale per output channel (axis 0, default) or one per tensor. */
  granularity?: 'channel' | 'tensor';
  /** Grid from core's MSE clip search (default `true`, its defaults; or its options), or min-max with `false`. */
  mseSearch?: boolean | ClipSearchOptions;
  /** Optimisation steps per layer (default 1000; the paper and AIMET use 10000 at learning rate 1e-3). */
  iterations?: number;
  /** Calibration rows (linear) or images (conv) per step (default 32). */
  batchSize?: number;
  /** Cap on calibration rows/images kept per layer (default 1024). */
  samples?: number;
  /** Adam learning rate (default 1e-2 for AdaRound's 1000 steps, AIMET's 1e-3 for 10000; 1e-4 for FlexRound's log-scales). */
  learningRate?: number;
  /** λ, the weight of the rounding regulariser (default 0.01; AdaRound only). */
  regularization?: number;
  /** β at the end of the warm start and at the last step (default [20, 2]). */
  betaRange?: readonly [number, number];
  /** Fraction of the steps with the regulariser off (default 0.2). */
  warmStart?: number;
  /** β schedule after the warm start (default 'cosine', as AIMET; BRECQ uses 'linear'). */
  betaDecay?: BetaDecay;
  /** Layer inputs from the model with earlier layers hardened (default 'quantized', as AIMET) or from the float model. */
  inputs?: InputMode;
  /** Seed of the mini-batch sampler (default 0). */
  seed?: number;
  /** Steps between loss read-outs and progress events (default 500). */
  progressInterval?: number;
}

/** A validated configuration with every default filled in. */
export interface AdaroundConfig {
  readonly method: RoundingMethod;
  readonly bits: number;
  readonly symmetric: boolean;
  readonly granularity: 'channel' | 'tensor';
  readonly mseSearch: false | Readonly<ClipSearchOptions>;
  readonly iterations: number;
  readonly batchSize: number;
  readonly samples: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly betaRange: readonly [number, number];
  readonly warmStart: number;
  readonly betaDecay: BetaDecay;
  readonly inputs: InputMode;
  readonly seed: number;
  readonly progressInterval: number;
}

/** FlexRound's default Adam learning rate: its log-scales move every weight's grid, so it takes smaller steps. */
export const FLEXROUND_LEARNING_RATE = 1e-4;

/**
 * The defaults: W4, symmetric, per output channel on an MSE-searched grid, AIMET's regulariser
 * schedule, and 1000 steps at learning rate 1e-2 (as good as 10000 at 1e-3 on the Fashion-MNIST CNN
 * in a tenth of the time; see the README).
 */
export const ADAROUND_DEFAULTS: AdaroundConfig = Object.freeze({
  method: 'adaround',
  bits: 4,
  symmetric: true,
  granularity: 'channel',
  mseSearch: Object.freeze({}),
  iterations: 1000,
  batchSize: 32,
  samples: 1024,
  learningRate: 1e-2,
  regularization: 0.01,
  betaRange: Object.freeze([20, 2]) as readonly [number, number],
  warmStart: 0.2,
  betaDecay: 'cosine',
  inputs: 'quantized',
  seed: 0,
  progressInterval: 500,
});

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function checkChoice<T extends string>(name: string, value: T, choices: readonly T[]): T {
  if (!choices.includes(value)) bad(`${name} "${value}" is unknown; use one of ${choices.join(', ')}.`);
  return value;
}

function checkInteger(name: string, value: number, min: number, example: number): number {
  if (!Number.isInteger(value) || value < min)
    bad(`${name} is ${value}; use an integer ≥ ${min} (e.g. ${name}: ${example}).`);
  return value;
}

function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8)
    bad(`bits is ${bits}; use an integer from 2 to 8 (e.g. bits: 4).`);
  return bits;
}

function checkBetaRange(range: readonly [number, number]): readonly [number, number] {
  const [start, end] = Array.isArray(range) ? range : [Number.NaN, Number.NaN];
  if (!(Number.isFinite(start) && Number.isFinite(end) && end > 0 && start >= end))
    bad(`betaRange is [${range}]; use [start, end] with start ≥ end > 0 (e.g. [20, 2]).`);
  return Object.freeze([start, end]) as readonly [number, number];
}

function checkSearch(mseSearch: AdaroundConfigInput['mseSearch'] = true): AdaroundConfig['mseSearch'] {
  if (mseSearch === false) return false;
  const options = mseSearch === true ? {} : mseSearch;
  const { grid = 100, maxShrink = 0.8, norm = 2.4 } = options;
  if (!Number.isInteger(grid) || grid < 1)
    bad(`mseSearch.grid is ${grid}; use a positive integer such as 100.`);
  if (!(maxShrink >= 0 && maxShrink < 1))
    bad(`mseSearch.maxShrink is ${maxShrink}; use a number in [0, 1) such as 0.8.`);
  if (!(norm > 0)) bad(`mseSearch.norm is ${norm}; use a positive number such as 2.4.`);
  return Object.freeze({ ...options });
}

function checkRange(name: string, value: number, ok: boolean, fix: string): number {
  if (!ok) bad(`${name} is ${value}; ${fix}.`);
  return value;
}

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function adaroundConfig(input: AdaroundConfigInput = {}): AdaroundConfig {
  const d = ADAROUND_DEFAULTS;
  const method = checkChoice('method', input.method ?? d.method, ['adaround', 'flexround']);
  const learningRate =
    input.learningRate ?? (method === 'flexround' ? FLEXROUND_LEARNING_RATE : d.learningRate);
  const regularization = input.regularization ?? d.regularization;
  const warmStart = input.warmStart ?? d.warmStart;
  const seed = input.seed ?? d.seed;
  return Object.freeze({
    method,
    bits: checkBits(input.bits ?? d.bits),
    symmetric: input.symmetric ?? d.symmetric,
    granularity: checkChoice('granularity', input.granularity ?? d.granularity, ['channel', 'tensor']),
    mseSearch: checkSearch(input.mseSearch),
    iterations: checkInteger('iterations', input.iterations ?? d.iterations, 1, 10_000),
    batchSize: checkInteger('batchSize', input.batchSize ?? d.batchSize, 1, 32),
    samples: checkInteger('samples', input.samples ?? d.samples, 1, 1024),
    learningRate: checkRange(
      'learningRate',
      learningRate,
      Number.isFinite(learningRate) && learningRate > 0,
      'use a positive number such as 1e-3',
    ),
    regularization: checkRange(
      'regularization (λ)',
      regularization,
      Number.isFinite(regularization) && regularization >= 0,
      'use a number ≥ 0 such as 0.01',
    ),
    betaRange: checkBetaRange(input.betaRange ?? d.betaRange),
    warmStart: checkRange(
      'warmStart',
      warmStart,
      warmStart >= 0 && warmStart < 1,
      'use a fraction in [0, 1) such as 0.2',
    ),
    betaDecay: checkChoice('betaDecay', input.betaDecay ?? d.betaDecay, ['cosine', 'linear']),
    inputs: checkChoice('inputs', input.inputs ?? d.inputs, ['quantized', 'float']),
    seed: checkRange('seed', seed, Number.isInteger(seed), 'use an integer such as 0'),
    progressInterval: checkInteger('progressInterval', input.progressInterval ?? d.progressInterval, 1, 500),
  });
}
