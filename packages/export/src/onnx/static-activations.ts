import { LowbitError, type ModifierReport, type QuantArgs } from '@lowbit/core-tensor';

/** One static activation quantizer: x ≈ (q − zeroPoint)·scale. */
export interface ActivationQParams {
  scale: number;
  zeroPoint: number;
}

/** w8a8Static's plan() (mode 'static'), by target name. */
export interface StaticActivationPlan {
  readonly mode: 'static';
  readonly args: QuantArgs;
  readonly qparams: Readonly<Record<string, ActivationQParams>>;
}

/**
 * Static per-tensor activation qparams: w8a8Static's `plan()` or its report. (A dynamic plan
 * type-checks, as `plan()` returns either, and is refused at run time.)
 */
export type StaticActivations =
  | StaticActivationPlan
  | { readonly mode: 'dynamic'; readonly args: QuantArgs }
  | ModifierReport;

/** The activation quantizer of each planned target and whether its codes are int8 (else uint8). */
export interface ActivationTable {
  signed: boolean;
  qparams: ReadonlyMap<string, ActivationQParams>;
}

function bad(problem: string): never {
  throw new LowbitError('BAD_ARGS', `activations: ${problem}`);
}

function fromReport(report: ModifierReport): StaticActivationPlan {
  const args = report.config.activationArgs as QuantArgs | undefined;
  if (!args || typeof args.signed !== 'boolean') {
    bad(
      `the report of "${report.modifier}" has no config.activationArgs; pass w8a8Static's report or plan().`,
    );
  }
  const qparams: Record<string, ActivationQParams> = {};
  for (const t of report.targets) {
    const { activationScale: scale, activationZeroPoint: zeroPoint } = t;
    if (typeof scale === 'number' && typeof zeroPoint === 'number') qparams[t.target] = { scale, zeroPoint };
  }
  return { mode: 'static', args, qparams };
}

/** Validates static activations for ONNX QuantizeLinear: 8-bit per-tensor int, integer zero points. */
export function activationTable(activations: StaticActivations): ActivationTable {
  if ('mode' in activations && activations.mode === 'dynamic') {
    bad('a dynamic plan has no fixed qparams; use exportLlamaOnnxDynamic.');
  }
  const plan = 'mode' in activations ? activations : fromReport(activations);
  const { args } = plan;
  if (args.type !== 'int' || args.bits !== 8 || args.granularity.kind !== 'tensor') {
    bad(
      'QuantizeLinear takes 8-bit per-tensor int activations; calibrate w8a8Static with activationArgs { bits: 8 }.',
    );
  }
  const entries = Object.entries(plan.qparams);
  if (entries.length === 0) bad('no target has activation qparams; run w8a8Static (with calibration) first.');
  const low = args.signed ? -128 : 0;
  for (const [name, { scale, zeroPoint }] of entries) {
    if (
      !(scale > 0 && Number.isFinite(scale)) ||
      !Number.isInteger(zeroPoint) ||
      zeroPoint < low ||
      zeroPoint > low + 255
    ) {
      bad(
        `${name} has scale ${scale} and zero point ${zeroPoint}; QuantizeLinear needs scale > 0 and an 8-bit zero point.`,
      );
    }
  }
  return { signed: args.signed, qparams: new Map(entries) };
}
