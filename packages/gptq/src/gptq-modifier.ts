import {
  type Block,
  LowbitError,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type QuantModel,
  type QuantTarget,
  stagedForward,
  type TargetReport,
  type tf,
} from '@lowbit/core-tensor';
import { type GptqConfig, type GptqConfigInput, gptqConfig } from './config';
import { createHessian } from './gptq-math';
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

/**
 * Quantizes a block group by group: each group's Hessians come from its inputs as the block's
 * staged passes compute them, with the groups before it already quantized (true-sequential).
 * Returns the reports and, when the pipeline needs them, the block's outputs with the quantized
 * weights, so no part of the block is computed twice.
 */
function applyBlock(
  block: Block,
  context: ModifierContext,
  config: GptqConfig,
  hessians: HessianStore,
): { reports: TargetReport[]; outputs?: tf.Tensor[] } {
  const groups = targetGroups(block, config.trueSequential);
  const total = groups.flat().length;
  const reports: TargetReport[] = [];
  const passes = context.inputs.map((x) => stagedForward(block, x));
  try {
    for (const group of groups) {
      const names = new Set(group.map((t) => t.name));
      for (const pass of passes) {
        pass.advance(names, (target, input) => {
          if (names.has(target)) hessians.add(block.name, target, input);
        });
      }
      for (const target of group) {
        reports.push(quantizeTarget(target, hessians.get(block.name, target.name), config));
        context.onProgress?.({ stage: 'gptq', done: reports.length, total, note: target.name });
      }
      hessians.clear();
    }
    const outputs = context.needsOutputs ? passes.map((pass) => pass.finish()) : undefined;
    context.onProgress?.({
      stage: 'gptq-blocks',
      done: context.blockIndex + 1,
      total: context.model.blocks.length,
      note: block.name,
    });
    return { reports, outputs };
  } finally {
    for (const pass of passes) pass.dispose();
    hessians.clear();
  }
}

/** Outer targets see no calibration input in the pipeline: the identity Hessian makes GPTQ round to nearest. */
function quantizeOuter(target: QuantTarget, config: GptqConfig): TargetReport {
  const columns = inputSize(target);
  const identity = createHessian(columns);
  for (let i = 0; i < columns; i++) identity.h[i * columns + i] = 1;
  return { ...quantizeTarget(target, identity, config), hessian: 'identity' };
}

/**
 * GPTQ (Frantar et al., 2022) as a pipeline modifier: applyBlock accumulates each linear layer's
 * input Hessian from the block's staged passes and quantizes the block's layers (group by group
 * with trueSequential); finalize reports GPTQ's and RTN's output error per layer. Only one block's
 * Hessians are alive at a time.
 */
export function gptq(config: GptqConfigInput = {}): Modifier {
  const resolved = gptqConfig(config);
  const hessians = new HessianStore();
  const reports: TargetReport[] = [];
  let started = 0;
  return {
    name: 'gptq',
    needsCalibration: true,
    initialize: (model) => {
      hessians.clear();
      reports.length = 0;
      started = performance.now();
      const targets = [
        ...model.blocks.flatMap((b) => b.targets.filter(isGptqTarget)),
        ...outerTargets(model, resolved),
      ];
      for (const target of targets) checkGroupSize(target, resolved);
    },
    applyBlock: (block, context) => {
      const applied = applyBlock(block, context, resolved, hessians);
      reports.push(...applied.reports);
      return applied.outputs;
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
