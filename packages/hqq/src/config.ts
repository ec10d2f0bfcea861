import { LowbitError } from '@lowbit/core-tensor';

/** HQQ options as the caller writes them; every field is optional. */
export interface HqqConfigInput {
  /** Bits per code, 2–8 (default 4). Codes are unsigned with a real-valued zero point. */
  bits?: number;
  /** Elements per group along `axis` (default 64); the last group may be shorter. */
  groupSize?: number;
  /**
   * Axis of the 2-D [out, in] weight the groups run along: 1 = along the input dimension (default),
   * 0 = along the output dimension. HQQ's reference defaults to its axis 0.
   */
  axis?: 0 | 1;
  /** Run the half-quadratic solver on the zero point; false keeps min/max qparams (default true). */
  optimize?: boolean;
  /** p of the lp error the solver minimises, in (0, 1] (default 0.7). */
  lpNorm?: number;
  /** Initial penalty β of the half-quadratic split (default 10). */
  beta?: number;
  /** β is multiplied by κ after every step, κ ≥ 1 (default 1.01). */
  kappa?: number;
  /** Most solver steps (default 20). */
  iterations?: number;
  /** Stop at the first step whose mean |W − Ŵ| does not decrease, as the reference (default true). */
  earlyStop?: boolean;
}

/** A validated HQQ configuration with every default filled in. */
export type HqqConfig = Readonly<Required<HqqConfigInput>>;

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function validateQuantization(bits: number, groupSize: number, axis: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    bad(`bits is ${bits}; use an integer from 2 to 8 (e.g. bits: 4).`);
  }
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    bad(`groupSize is ${groupSize}; use a positive integer such as 32, 64 or 128.`);
  }
  if (axis !== 0 && axis !== 1) {
    bad(`axis is ${axis}; use 1 (groups along the input dimension) or 0 (along the output dimension).`);
  }
}

function validateSolver(config: HqqConfig): void {
  const { lpNorm, beta, kappa, iterations, optimize, earlyStop } = config;
  if (typeof optimize !== 'boolean') bad(`optimize is ${optimize}; use true or false.`);
  if (typeof earlyStop !== 'boolean') bad(`earlyStop is ${earlyStop}; use true or false.`);
  if (!(lpNorm > 0 && lpNorm <= 1)) bad(`lpNorm is ${lpNorm}; use a number in (0, 1] such as 0.7.`);
  if (!(beta > 0 && Number.isFinite(beta))) bad(`beta is ${beta}; use a positive number such as 10.`);
  if (!(kappa >= 1 && Number.isFinite(kappa))) bad(`kappa is ${kappa}; use a number ≥ 1 such as 1.01.`);
  if (!Number.isInteger(iterations) || iterations < 1) {
    bad(`iterations is ${iterations}; use a positive integer such as 20.`);
  }
}

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function hqqConfig(input: HqqConfigInput = {}): HqqConfig {
  const config: HqqConfig = {
    bits: input.bits ?? 4,
    groupSize: input.groupSize ?? 64,
    axis: input.axis ?? 1,
    optimize: input.optimize ?? true,
    lpNorm: input.lpNorm ?? 0.7,
    beta: input.beta ?? 10,
    kappa: input.kappa ?? 1.01,
    iterations: input.iterations ?? 20,
    earlyStop: input.earlyStop ?? true,
  };
  validateQuantization(config.bits, config.groupSize, config.axis);
  validateSolver(config);
  return Object.freeze(config);
}
