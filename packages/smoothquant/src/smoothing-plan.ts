import { type Block, LowbitError, type Mapping, type QuantTarget } from '@lowbit/core-tensor';
import type { ChannelRange } from './channel-range';
import { smoothingScales, weightColumnAbsMax } from './smoothing-scales';

/** One norm → linears mapping of a block with what its scales are computed from. */
export interface SmoothingPlan {
  mapping: Mapping;
  balance: QuantTarget[];
  /** max|X_j| of the balance layers' (shared) input. */
  activationAbsMax: Float32Array;
  /** max|W[:, j]| over the balance weights. */
  weightAbsMax: Float32Array;
}

function bad(code: 'BAD_ARGS' | 'NOT_READY', message: string): never {
  throw new LowbitError(code, message);
}

/** The balance target `name` of `mapping`, checked to be a float linear whose input was observed. */
function balanceTarget(
  block: Block,
  mapping: Mapping,
  name: string,
  ranges: ReadonlyMap<string, ChannelRange>,
) {
  const target = block.targets.find((t) => t.name === name);
  if (target?.kind !== 'linear') {
    bad(
      'BAD_ARGS',
      `smoothquant: ${mapping.smooth} feeds "${name}", which is not a linear target of ${block.name}.`,
    );
  }
  if (target.quantized) {
    bad(
      'BAD_ARGS',
      `smoothquant: "${name}" is already quantized; put smoothquant before weight quantization in the recipe.`,
    );
  }
  const range = ranges.get(name);
  if (!range) {
    bad(
      'NOT_READY',
      `smoothquant: no calibration input reached "${name}"; pass calibration batches to runRecipe.`,
    );
  }
  if (range.channels !== target.shape[1]) {
    bad(
      'BAD_ARGS',
      `smoothquant: "${name}" has ${target.shape[1]} input channels but its input has ${range.channels}.`,
    );
  }
  return { target, range };
}

/**
 * The block's mappings to smooth. The reference implementation migrates difficulty from norm
 * outputs into the linears they feed (llama: attention_norm → wq, wk, wv and ffn_norm → w1, w3):
 * mappings whose smoothing layer is not one of the block's targets. `includeLinearMappings` adds
 * those whose smoothing layer is a linear target (llama: w3 → w2).
 */
export function smoothingPlans(
  block: Block,
  ranges: ReadonlyMap<string, ChannelRange>,
  includeLinearMappings: boolean,
): SmoothingPlan[] {
  const targetNames = new Set(block.targets.map((t) => t.name));
  return block.mappings
    .filter((mapping) => includeLinearMappings || !targetNames.has(mapping.smooth))
    .map((mapping) => {
      const checked = mapping.balance.map((name) => balanceTarget(block, mapping, name, ranges));
      const activationAbsMax = checked[0].range.absMax();
      for (const { range } of checked.slice(1)) {
        range.absMax().forEach((v, j) => {
          activationAbsMax[j] = Math.max(activationAbsMax[j], v);
        });
      }
      const balance = checked.map((c) => c.target);
      return { mapping, balance, activationAbsMax, weightAbsMax: weightColumnAbsMax(balance) };
    });
}

/** Each plan's scales s at migration strength α. */
export function scalesAt(plans: readonly SmoothingPlan[], alpha: number): Float32Array[] {
  return plans.map((p) => smoothingScales(p.activationAbsMax, p.weightAbsMax, alpha));
}

/** The scale vector every balance target's input is divided by. */
export function divisorsOf(
  plans: readonly SmoothingPlan[],
  scales: readonly Float32Array[],
): Map<string, Float32Array> {
  return new Map(plans.flatMap((p, i) => p.balance.map((t) => [t.name, scales[i]] as const)));
}
