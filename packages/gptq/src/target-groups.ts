import { type Block, LowbitError, type QuantTarget } from '@lowbit/core-tensor';

/** The input size of a target's [out, in·…] view. */
export function inputSize(target: QuantTarget): number {
  return target.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** GPTQ quantizes linear layers: the rows of their inputs are the Hessian's samples. */
export function isGptqTarget(target: QuantTarget): boolean {
  return target.kind === 'linear';
}

function namedTarget(block: Block, name: string): QuantTarget {
  const target = block.targets.find((t) => t.name === name);
  if (!target) {
    throw new LowbitError(
      'BAD_ARGS',
      `Block "${block.name}" lists "${name}" in sequentialGroups but has no such target; fix the model's sequentialGroups.`,
    );
  }
  return target;
}

/**
 * The block's linear targets in the groups GPTQ quantizes one after the other: with trueSequential,
 * the block's sequentialGroups (unlisted targets last); otherwise a single group.
 */
export function targetGroups(block: Block, trueSequential: boolean): QuantTarget[][] {
  const linear = block.targets.filter(isGptqTarget);
  if (!trueSequential || !block.sequentialGroups) return [linear];
  const groups = block.sequentialGroups.map((names) =>
    names.map((n) => namedTarget(block, n)).filter(isGptqTarget),
  );
  const listed = new Set(groups.flat());
  return [...groups, linear.filter((t) => !listed.has(t))].filter((group) => group.length > 0);
}
