import { LowbitError, type QuantArgs, type QuantArgsInput } from '@lowbit/core-tensor';
import { staticActivationArgs } from './w8a8-args';

/** SmoothQuant options as the caller writes them. */
export interface SmoothQuantOptions {
  /** Migration strength α in [0, 1], or 'auto' for a per-block grid search over ALPHA_GRID (default 0.5). */
  alpha?: number | 'auto';
  /** 'auto' only: the per-tensor activation quantization the search simulates (default int8 symmetric, as w8a8Static). */
  activationArgs?: QuantArgsInput;
  /**
   * Also smooth linear → linears mappings (llama: w3 → w2; wv → wo without grouped-query attention),
   * beyond the reference's norm → linears ones (default false).
   */
  includeLinearMappings?: boolean;
}

export interface SmoothQuantConfig {
  readonly alpha: number | 'auto';
  readonly activationArgs: QuantArgs;
  readonly includeLinearMappings: boolean;
}

/** The α values 'auto' tries per block: 0.3, 0.35, …, 0.85. */
export const ALPHA_GRID: readonly number[] = Array.from({ length: 12 }, (_, i) => (30 + 5 * i) / 100);

/** Fills defaults and validates, throwing a BAD_ARGS LowbitError that names the fix. */
export function smoothQuantConfig(input: SmoothQuantOptions = {}): SmoothQuantConfig {
  const alpha = input.alpha ?? 0.5;
  if (alpha !== 'auto' && !(typeof alpha === 'number' && alpha >= 0 && alpha <= 1)) {
    throw new LowbitError(
      'BAD_ARGS',
      `smoothquant: alpha is ${alpha}; use a number in [0, 1] (e.g. 0.5) or 'auto'.`,
    );
  }
  const includeLinearMappings = input.includeLinearMappings ?? false;
  if (typeof includeLinearMappings !== 'boolean') {
    throw new LowbitError(
      'BAD_ARGS',
      `smoothquant: includeLinearMappings is ${includeLinearMappings}; use true or false.`,
    );
  }
  return Object.freeze({
    alpha,
    activationArgs: staticActivationArgs(input.activationArgs, 'smoothquant'),
    includeLinearMappings,
  });
}
