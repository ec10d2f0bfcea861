import { bad } from './config';

/**
 * The first training step at which something freezes: `after` < 1 is a fraction of the whole run,
 * `after` ≥ 1 a number of epochs (fractional allowed), undefined never (Infinity). 0 freezes from the start.
 */
export function freezeStep(
  after: number | undefined,
  stepsPerEpoch: number,
  totalSteps: number,
  option: string,
): number {
  if (after === undefined) return Number.POSITIVE_INFINITY;
  if (!(after >= 0) || !Number.isFinite(after)) {
    bad(
      `${option} is ${after}; use epochs (≥ 1), a fraction of the run (0–1), or leave it out to never freeze.`,
    );
  }
  return after < 1 ? Math.round(after * totalSteps) : Math.round(after * stepsPerEpoch);
}

/** What is frozen at a step: BN layers in inference mode, quantizer ranges no longer learned. */
export interface FreezeState {
  batchNorm: boolean;
  ranges: boolean;
}

export function freezeStateAt(step: number, batchNormStep: number, rangesStep: number): FreezeState {
  return { batchNorm: step >= batchNormStep, ranges: step >= rangesStep };
}
