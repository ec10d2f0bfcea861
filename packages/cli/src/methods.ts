import { LowbitError, type Recipe } from '@lowbit/core-tensor';
import { rtn } from '@lowbit/rtn';

/** The quantization options the `quantize` command passes to every method. */
export interface MethodOptions {
  bits: number;
  groupSize: number | 'channel';
  /** Undefined keeps the method's default (asymmetric int, symmetric nf4/fp4). */
  symmetric?: boolean;
  type: 'int' | 'nf4' | 'fp4';
}

/** A quantization method: how `--method NAME` becomes a recipe of pipeline modifiers. */
export interface QuantMethod {
  readonly description: string;
  recipe(options: MethodOptions): Recipe;
}

/** Every `--method`; adding a technique is one entry. Calibration is loaded when a modifier asks for it. */
export const METHODS: Readonly<Record<string, QuantMethod>> = {
  rtn: {
    description: 'round-to-nearest weights: int per-channel or grouped, nf4, fp4 (no calibration)',
    recipe: ({ bits, groupSize, symmetric, type }) => [rtn({ bits, groupSize, symmetric, type })],
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
