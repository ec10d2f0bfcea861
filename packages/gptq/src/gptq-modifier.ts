import {
  type Block,
  LowbitError,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type QuantModel,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { type GptqConfig, type GptqConfigInput, gptqConfig } from './config';
import { HessianStore } from './hessian-store';
import { quantizeTarget } from './quantize-target';
import { inputSize, isGptqTarget, targetGroups } from './target-groups';

function checkGroupSize(target: QuantTarget, config: GptqConfig): void {
  const columns = inputSize(target);
  if (config.groupSize !== 'channel' && config.groupSize > columns) {
    throw new LowbitError(
      'BAD_ARGS',
      `groupSize ${config.groupSize} is larger than the input dimension of "${target.name}" (${columns}); use groupSize ≤ ${columns} or 'channel'.`,
    );
  }
}

function outerTargets(model: QuantModel, config: GptqConfig): readonly QuantTarget[] {
  return config.includeOuter ? model.outerTargets : [];
}

/** Re-runs the block on its calibration inputs, collecting the Hessians of `group` only. */
function recapture(
  block: Block,
  group: QuantTarget[],
  inputs: readonly tf.Tensor[],
  hessians: HessianStore,
): void {
  const names = new Set(group.map((t) => t.name));
  for (const x of inputs) {
    tf.tidy(() => {
      block.forward(x, (target, input) => {
        if (names.has(target)) hessians.add(block.name, target, input);
      });
    });
  }
}

/**
 * Quantizes a block group by group. The first group's Hessians come from observe; each later
 * group's inputs are re-captured after the groups before it were quantized (true-sequential).
 */
function applyBlock(
  block: Block,
  context: ModifierContext,
  config: GptqConfig,
  hessians: HessianStore,
): TargetReport[] {
  const groups = targetGroups(block, config.trueSequential);
  const total = groups.flat().length;
  const reports: TargetReport[] = [];
  try {
    groups.forEach((group, index) => {
      if (index > 0) recapture(block, group, context.inputs, hessians);
      for (const target of group) {
        reports.push(quantizeTarget(target, hessians.get(block.name, target.name), config));
        context.onProgress?.({ stage: 'gptq', done: reports.length, total, note: target.name });
      }
      hessians.clear();
    });
  } finally {
    hessians.clear();
  }
  const blocks = context.model.blocks.length;
  context.onProgress?.({
    stage: 'gptq-blocks',
    done: context.blockIndex + 1,
    total: blocks,
    note: block.name,
  });
  return reports;
}

/** Outer targets see no calibration input in the pipeline: the identity Hessian makes GPTQ round to nearest. */
function quantizeOuter(target: QuantTarget, config: GptqConfig): TargetReport {
  const identity = tf.eye(inputSize(target)) as tf.Tensor2D;
  try {
    return { ...quantizeTarget(target, identity, config), hessian: 'identity' };
  } finally {
    identity.dispose();
  }
}

/**
 * GPTQ (Frantar et al., 2022) as a pipeline modifier: observe accumulates each linear layer's input
 * Hessian, applyBlock quantizes the block's layers (group by group with trueSequential), finalize
 * reports GPTQ's and RTN's output error per layer. Only one block's Hessians are alive at a time.
 */
export function gptq(config: GptqConfigInput = {}): Modifier {
  const resolved = gptqConfig(config);
  const hessians = new HessianStore();
  const reports: TargetReport[] = [];
  let observed: { block: Block; names: Set<string> } | undefined;
  let started = 0;
  const observedNames = (block: Block) => {
    if (observed?.block !== block) {
      const [first = []] = targetGroups(block, resolved.trueSequential);
      observed = { block, names: new Set(first.map((t) => t.name)) };
    }
    return observed.names;
  };
  return {
    name: 'gptq',
    needsCalibration: true,
    initialize: (model) => {
      hessians.clear();
      reports.length = 0;
      observed = undefined;
      started = performance.now();
      const targets = [
        ...model.blocks.flatMap((b) => b.targets.filter(isGptqTarget)),
        ...outerTargets(model, resolved),
      ];
      for (const target of targets) checkGroupSize(target, resolved);
    },
    observe: (block, target, input) => {
      if (observedNames(block).has(target)) hessians.add(block.name, target, input);
    },
    applyBlock: (block, context) => {
      reports.push(...applyBlock(block, context, resolved, hessians));
    },
    finalize: (model): ModifierReport => {
      hessians.clear();
      for (const target of outerTargets(model, resolved)) reports.push(quantizeOuter(target, resolved));
      return {
        modifier: 'gptq',
        config: { ...resolved },
        targets: reports.slice(),
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}
