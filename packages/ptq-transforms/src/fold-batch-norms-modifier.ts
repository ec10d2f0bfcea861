import {
  type BatchNormSite,
  type Block,
  LowbitError,
  type Modifier,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { foldBatchNorm } from './fold-batch-norm';
import type { TransformReport } from './report';

function targetOf(block: Block, site: BatchNormSite): QuantTarget {
  const target = block.targets.find((t) => t.name === site.target);
  if (!target) {
    throw new LowbitError(
      'BAD_ARGS',
      `Batch norm "${site.name}" follows "${site.target}", which is not a target of block "${block.name}"; the model adapter lists an inconsistent site.`,
    );
  }
  if (!target.bias) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `Cannot fold batch norm "${site.name}" into "${target.name}": the layer exposes no bias to fold the shift into; use a model adapter whose targets expose bias.`,
    );
  }
  if (target.quantized) {
    throw new LowbitError(
      'BAD_ARGS',
      `"${target.name}" is already quantized; put foldBatchNorms() before the quantizing modifier in the recipe.`,
    );
  }
  if (site.gamma.length !== target.shape[0]) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Batch norm "${site.name}" has ${site.gamma.length} channels but "${target.name}" has ${target.shape[0]} outputs.`,
    );
  }
  return target;
}

/** Folds one site into its target's weight and bias, then bypasses the normalization. */
function foldSite(block: Block, site: BatchNormSite): TargetReport {
  const started = performance.now();
  const target = targetOf(block, site);
  const current = target.weight();
  const values = current.dataSync() as Float32Array;
  current.dispose();
  const folded = foldBatchNorm(values, target.bias!.read(), site);
  const weight = tf.tensor(folded.weight, target.shape as number[]);
  try {
    target.setWeight(weight);
  } finally {
    weight.dispose();
  }
  target.bias!.write(folded.bias);
  site.bypass();
  return { target: target.name, batchNorm: site.name, seconds: (performance.now() - started) / 1000 };
}

/**
 * Batch-norm folding (AIMET's fold_all_batch_norms) as a recipe step: every BatchNormalization the
 * block lists right after a conv/linear target is folded into that target's weight and bias and
 * then bypassed, leaving the float outputs unchanged. A block without batch norms is a no-op,
 * noted in the report.
 */
export function foldBatchNorms(): Modifier & { finalize(): TransformReport } {
  const reports: TargetReport[] = [];
  const notes: string[] = [];
  let started = 0;
  return {
    name: 'fold-batch-norms',
    needsCalibration: false,
    initialize: () => {
      reports.length = 0;
      notes.length = 0;
      started = performance.now();
    },
    applyBlock: (block: Block) => {
      const sites = [...(block.batchNorms ?? [])];
      if (sites.length === 0)
        notes.push(`block "${block.name}" has no foldable batch norms; nothing to fold.`);
      for (const site of sites) reports.push(foldSite(block, site));
    },
    finalize: (): TransformReport => ({
      modifier: 'fold-batch-norms',
      config: {},
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
      notes: notes.slice(),
    }),
  };
}
