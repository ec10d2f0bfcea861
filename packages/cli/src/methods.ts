import { awq } from '@lowbit/awq';
import { LowbitError, type Recipe } from '@lowbit/core-tensor';
import { gptq } from '@lowbit/gptq';
import { hqq } from '@lowbit/hqq';
import { rtn } from '@lowbit/rtn';

/** The quantization options the `quantize` command passes to every method. */
export interface MethodOptions {
  bits: number;
  /** Undefined keeps the method's default. */
  groupSize?: number | 'channel';
  /** Undefined keeps the method's default (asymmetric int, symmetric nf4/fp4). */
  symmetric?: boolean;
  type: 'int' | 'nf4' | 'fp4';
  /** GPTQ: quantize columns by decreasing Hessian diagonal (desc_act). */
  actOrder?: boolean;
  /** GPTQ: every group's qparams from the unquantized weight. */
  staticGroups?: boolean;
  /** GPTQ: first dampening as a fraction of the mean Hessian diagonal. */
  percdamp?: number;
  /** GPTQ: re-capture each layer group's inputs after the groups before it (default true). */
  trueSequential?: boolean;
}

/** A quantization method: how `--method NAME` becomes a recipe of pipeline modifiers. */
export interface QuantMethod {
  readonly description: string;
  recipe(options: MethodOptions): Recipe;
}

/** Group size of the integer methods when --group-size is not given. */
const DEFAULT_GROUP = 128;

function intOnly(method: string, { type }: MethodOptions): void {
  if (type !== 'int') {
    throw new LowbitError('BAD_ARGS', `--method ${method} writes int codes; drop --type ${type} or use rtn.`);
  }
}

function gptqStep(options: MethodOptions) {
  intOnly('gptq', options);
  const { bits, symmetric, actOrder, staticGroups, percdamp, trueSequential } = options;
  const groupSize = options.groupSize ?? DEFAULT_GROUP;
  return gptq({ bits, groupSize, symmetric, actOrder, staticGroups, percdamp, trueSequential });
}

function awqStep(options: MethodOptions) {
  intOnly('awq', options);
  const { bits, symmetric } = options;
  return awq({ bits, groupSize: options.groupSize ?? DEFAULT_GROUP, symmetric });
}

function hqqStep(options: MethodOptions) {
  intOnly('hqq', options);
  const { bits, groupSize, symmetric } = options;
  if (groupSize === 'channel' || symmetric !== undefined) {
    throw new LowbitError(
      'BAD_ARGS',
      '--method hqq quantizes asymmetric groups with a real-valued zero point; pass --group-size N (default 64) without --sym.',
    );
  }
  return hqq({ bits, groupSize });
}

/** Every `--method`; adding a technique is one entry. Calibration is loaded when a modifier asks for it. */
export const METHODS: Readonly<Record<string, QuantMethod>> = {
  rtn: {
    description: 'round-to-nearest weights: int per-channel or grouped, nf4, fp4 (no calibration)',
    recipe: ({ bits, groupSize, symmetric, type }) => [rtn({ bits, groupSize, symmetric, type })],
  },
  gptq: {
    description: 'GPTQ: Hessian-aware column-by-column rounding (calibration)',
    recipe: (options) => [gptqStep(options)],
  },
  awq: {
    description: 'AWQ activation-aware scales and clipping, then round-to-nearest (calibration)',
    recipe: (options) => [
      awqStep(options),
      rtn({
        bits: options.bits,
        groupSize: options.groupSize ?? DEFAULT_GROUP,
        symmetric: options.symmetric,
      }),
    ],
  },
  'awq-gptq': {
    description: 'AWQ scales and clipping, then GPTQ (calibration)',
    recipe: (options) => [awqStep(options), gptqStep(options)],
  },
  hqq: {
    description: 'HQQ: half-quadratic zero-point optimisation per group (no calibration)',
    recipe: (options) => [hqqStep(options)],
  },
};

export function quantMethod(name: string): QuantMethod {
  const method = METHODS[name];
  if (!method) {
    throw new LowbitError(
      'BAD_ARGS',
      `--method ${name} is unknown; use one of ${Object.keys(METHODS).join(', ')}.`,
    );
  }
  return method;
}
