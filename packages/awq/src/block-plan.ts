import { type Block, LowbitError, type Mapping, type QuantTarget } from '@lowbit/core-tensor';

/** A mapping with its balance targets resolved. */
export interface ResolvedMapping {
  mapping: Mapping;
  balance: QuantTarget[];
}

/** What AWQ does to one block: its mappings, the linears it clips, and whose input statistics each reads. */
export interface BlockPlan {
  mappings: ResolvedMapping[];
  clipped: QuantTarget[];
  /** Target → the target whose captured input stands for it (balance targets of a mapping share one input). */
  inputOf: Map<string, string>;
}

function balanceTarget(block: Block, mapping: Mapping, name: string): QuantTarget {
  const target = block.targets.find((t) => t.name === name);
  if (target?.kind !== 'linear') {
    throw new LowbitError(
      'BAD_ARGS',
      `Block "${block.name}": mapping "${mapping.smooth}" balances "${name}", which is ${target ? `a ${target.kind} target` : 'not a target of the block'}; AWQ balances linear targets only, so fix the model's mappings.`,
    );
  }
  return target;
}

/** A mapping's balance linears share one input, so their input widths must agree. */
function assertSameInputWidth(block: Block, mapping: Mapping, balance: QuantTarget[]): void {
  const [first] = balance;
  const other = balance.find((t) => t.shape[1] !== first.shape[1]);
  if (other) {
    throw new LowbitError(
      'BAD_ARGS',
      `Block "${block.name}": mapping "${mapping.smooth}" balances "${first.name}" (input width ${first.shape[1]}) and "${other.name}" (input width ${other.shape[1]}), which cannot share one input; fix the model's mappings so each lists linears fed by the same tensor.`,
    );
  }
}

/** A CNN's cross-layer-equalization pair: it balances conv targets, which AWQ leaves alone. */
function balancesConvs(block: Block, mapping: Mapping): boolean {
  const kinds = mapping.balance.map((name) => block.targets.find((t) => t.name === name)?.kind);
  return kinds.every((kind) => kind === 'conv2d' || kind === 'depthwise');
}

/** The plan for a block: every mapping (conv pairs skipped), and every linear target when clipping. */
export function planBlock(block: Block, clip: boolean): BlockPlan {
  const linearMappings = block.mappings.filter((mapping) => !balancesConvs(block, mapping));
  const mappings = linearMappings.map((mapping) => {
    const balance = mapping.balance.map((name) => balanceTarget(block, mapping, name));
    assertSameInputWidth(block, mapping, balance);
    return { mapping, balance };
  });
  const clipped = clip ? block.targets.filter((t) => t.kind === 'linear') : [];
  const inputOf = new Map<string, string>();
  for (const { balance } of mappings) for (const t of balance) inputOf.set(t.name, balance[0].name);
  for (const t of clipped) if (!inputOf.has(t.name)) inputOf.set(t.name, t.name);
  return { mappings, clipped, inputOf };
}
