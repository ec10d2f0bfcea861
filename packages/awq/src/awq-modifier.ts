import {
  type Block,
  LowbitError,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { checkGroupFits } from './awq-args';
import { type BlockPlan, planBlock, type ResolvedMapping } from './block-plan';
import { searchClip } from './clip-search';
import { type AwqConfig, type AwqConfigInput, awqConfig } from './config';
import { foldScales } from './fold';
import { InputStats } from './input-stats';
import { searchScales } from './scale-search';

/** The input statistics of one block, keyed by the target whose input they describe. */
type BlockStats = Map<string, InputStats>;

function statsFor(block: Block, target: QuantTarget, plan: BlockPlan, stats: BlockStats): InputStats {
  const found = stats.get(plan.inputOf.get(target.name)!);
  if (!found) {
    throw new LowbitError(
      'NOT_READY',
      `AWQ saw no calibration input for layer "${target.name}" of block "${block.name}"; pass calibration batches to runRecipe (options.calibration, e.g. from sampleCalibration).`,
    );
  }
  return found;
}

function channelsOf(block: Block, target: string): number {
  return block.targets.find((t) => t.name === target)!.shape[1];
}

function weight2d(target: QuantTarget): tf.Tensor2D {
  return target.weight() as tf.Tensor2D;
}

/** Searches, folds and reports the scales of one mapping; its balance inputs' statistics follow the fold. */
function scaleMapping(resolved: ResolvedMapping, stats: InputStats, config: AwqConfig): TargetReport {
  const started = performance.now();
  const { mapping, balance } = resolved;
  const weights = balance.map(weight2d);
  const gram = stats.gram();
  const result = searchScales(weights, stats.meanAbs(), gram, config);
  tf.dispose([...weights, gram]);
  foldScales(mapping, balance, result.scales);
  stats.divideChannels(result.scales);
  const { ratio, mseBefore, mseAfter } = result;
  return {
    target: mapping.smooth,
    step: 'scale',
    balance: mapping.balance.join(', '),
    ratio,
    mseBefore,
    mseAfter,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Clips one target in place (float weights) and reports the chosen ranges and output errors. */
function clipTarget(target: QuantTarget, stats: InputStats, config: AwqConfig): TargetReport {
  const started = performance.now();
  const weight = weight2d(target);
  const gram = stats.gram();
  const { clipped, meanRatio, minRatio, mseBefore, mseAfter } = searchClip(weight, gram, config);
  target.setWeight(clipped);
  tf.dispose([weight, gram, clipped]);
  return {
    target: target.name,
    step: 'clip',
    clipRatioMean: meanRatio,
    clipRatioMin: minRatio,
    mseBefore,
    mseAfter,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Every mapping's scales in order, then the clip of every linear target. */
function applyBlock(
  block: Block,
  context: ModifierContext,
  plan: BlockPlan,
  stats: BlockStats,
  config: AwqConfig,
): TargetReport[] {
  const reports: TargetReport[] = [];
  const { onProgress } = context;
  plan.mappings.forEach((resolved, i) => {
    reports.push(scaleMapping(resolved, statsFor(block, resolved.balance[0], plan, stats), config));
    onProgress?.({ stage: 'awq', done: i + 1, total: plan.mappings.length, note: resolved.mapping.smooth });
  });
  for (const target of plan.clipped)
    reports.push(clipTarget(target, statsFor(block, target, plan, stats), config));
  const blocks = context.model.blocks.length;
  onProgress?.({ stage: 'awq-blocks', done: context.blockIndex + 1, total: blocks, note: block.name });
  return reports;
}

/**
 * AWQ (Lin et al., 2023) as a pipeline modifier. observe keeps, per layer input, the mean |x| per
 * channel and the Gram matrix (channels², whatever the number of tokens); applyBlock searches each
 * mapping's scales s = x̄^r, folds them (the float model's outputs are unchanged), then searches a
 * clipping range per output row and group of every linear. AWQ only transforms float weights:
 * follow it with a quantizer of the same bits and groups, e.g. [awq(...), rtn(...)].
 */
export function awq(config: AwqConfigInput = {}): Modifier {
  const resolved = awqConfig(config);
  const reports: TargetReport[] = [];
  const stats: BlockStats = new Map();
  let current: { block: Block; plan: BlockPlan } | undefined;
  let started = 0;
  const planFor = (block: Block) => {
    if (current?.block !== block) {
      stats.clear();
      current = { block, plan: planBlock(block, resolved.clip) };
    }
    return current.plan;
  };
  return {
    name: 'awq',
    needsCalibration: true,
    initialize: (model) => {
      reports.length = 0;
      stats.clear();
      current = undefined;
      started = performance.now();
      for (const block of model.blocks) {
        for (const t of block.targets) if (t.kind === 'linear') checkGroupFits(t, resolved);
      }
    },
    observe: (block, target, input) => {
      if (planFor(block).inputOf.get(target) !== target) return;
      if (!stats.has(target)) stats.set(target, new InputStats(channelsOf(block, target)));
      stats.get(target)!.add(input, `Block "${block.name}", layer "${target}"`);
    },
    applyBlock: (block, context) => {
      reports.push(...applyBlock(block, context, planFor(block), stats, resolved));
      stats.clear();
    },
    finalize: (): ModifierReport => {
      stats.clear();
      current = undefined;
      return {
        modifier: 'awq',
        config: { ...resolved },
        targets: reports.slice(),
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}
