import type { ModifierReport } from '@lowbit/core-tensor';

/** A modifier report with notes on what was skipped and why (e.g. a graph without batch norms). */
export interface TransformReport extends ModifierReport {
  notes: string[];
}
