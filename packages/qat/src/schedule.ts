import { bad } from './config';

export type LearningRateSchedule = 'constant' | 'cosine';

/**
 * The learning rate at `step` of `totalSteps`: constant, or cosine annealing from `base` to 0
 * (Loshchilov & Hutter's SGDR without restarts), evaluated at the start of each step.
 */
export function learningRateAt(
  schedule: LearningRateSchedule,
  base: number,
  step: number,
  totalSteps: number,
): number {
  if (schedule === 'constant') return base;
  if (schedule === 'cosine') return 0.5 * base * (1 + Math.cos((Math.PI * step) / Math.max(totalSteps, 1)));
  return bad(`schedule "${schedule}" is unknown; use 'constant' or 'cosine'.`);
}
