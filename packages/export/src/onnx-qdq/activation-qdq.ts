import { type ActivationQuantPlan, codeRange, LowbitError } from '@lowbit/core-tensor';
import { QDQ_TYPES, type QdqType, qdqTypeFor } from './qdq-type';

/** QuantizeLinear → DequantizeLinear of one target's input, per tensor. */
export interface QdqActivation {
  scale: number;
  zeroPoint: number;
  type: QdqType;
  /**
   * Set when the plan's code range is narrower than the type's (3-bit, reduceRange): the real
   * bounds (min − z)·s and (max − z)·s that a Clip after DequantizeLinear applies.
   */
  clip?: { min: number; max: number };
}

function bad(problem: string): never {
  throw new LowbitError('BAD_ARGS', `activations: ${problem}`);
}

function checkArgs(plan: ActivationQuantPlan): void {
  if (plan.mode !== 'static') {
    bad(
      'a dynamic plan has no fixed qparams; QDQ needs a static plan (e.g. staticQuant / w8a8Static plan()).',
    );
  }
  const { type, granularity, zeroPointDomain } = plan.args;
  if (type !== 'int' || granularity.kind !== 'tensor' || zeroPointDomain !== 'int') {
    bad(
      'QuantizeLinear takes per-tensor int activations with integer zero points; calibrate with activation args { type: "int", granularity: perTensor() }.',
    );
  }
}

/**
 * The Q/DQ of every planned target (uint8/int8, or uint4/int4 for 4-bit plans when `allowFourBit`),
 * after checking that the plan is static, per-tensor, names only `targets`, and has positive
 * scales and zero points inside its code range.
 */
export function qdqActivations(
  plan: ActivationQuantPlan,
  targets: ReadonlySet<string>,
  allowFourBit: boolean,
): Map<string, QdqActivation> {
  checkArgs(plan);
  if (plan.mode !== 'static') return new Map();
  const entries = Object.entries(plan.qparams);
  if (entries.length === 0) bad('the plan is empty; calibrate the activation quantizer first.');
  const unknown = entries.map(([name]) => name).filter((name) => !targets.has(name));
  if (unknown.length > 0) {
    bad(
      `the plan names ${unknown.slice(0, 3).join(', ')}, which this model lacks (its targets: ${[...targets].slice(0, 6).join(', ')}); pass the plan calibrated on this model.`,
    );
  }
  const { args } = plan;
  const range = codeRange(args);
  const type = qdqTypeFor(args.bits === 4 && !args.reduceRange ? 4 : 8, args.signed, allowFourBit);
  const { min, max } = QDQ_TYPES[type];
  const narrower = range.min > min || range.max < max;
  const result = new Map<string, QdqActivation>();
  for (const [name, { scale, zeroPoint }] of entries) {
    if (!(scale > 0 && Number.isFinite(scale)) || !Number.isInteger(zeroPoint)) {
      bad(
        `${name} has scale ${scale} and zero point ${zeroPoint}; scales must be positive and finite, zero points integers.`,
      );
    }
    if (zeroPoint < range.min || zeroPoint > range.max) {
      bad(`${name} has zero point ${zeroPoint} outside the codes [${range.min}, ${range.max}]; recalibrate.`);
    }
    // DequantizeLinear's (q − z)·s is one float32 product: the bounds are rounded the same way.
    const s = Math.fround(scale);
    const bound = (code: number) => Math.fround((code - zeroPoint) * s);
    const clip = narrower ? { min: bound(range.min), max: bound(range.max) } : undefined;
    result.set(name, { scale: s, zeroPoint, type, clip });
  }
  return result;
}
