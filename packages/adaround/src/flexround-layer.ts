import { type QParams, tf } from '@lowbit/core-tensor';
import { type AdaroundConfigInput, adaroundConfig } from './config';
import {
  checkProblem,
  disposeOutputs,
  type LayerProblem,
  type LayerResult,
  layerOutputs,
  layerResult,
} from './layer-problem';
import { type IterationCallback, optimizeReconstruction } from './optimize-loop';
import { reconstructionObjective } from './reconstruction';
import { disposeGrid, type WeightGrid, weightGrid } from './weight-grid';

/** round() with the identity as its gradient (straight-through). */
const roundSte = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.round(x),
  gradFunc: (dy: tf.Tensor) => dy,
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * FlexRound's learnable tensors, all log-parameterised and initialised to 0: the grid size
 * s1 = s1⁰·exp(logS1) (per channel or per tensor, like the grid), the elementwise S2, the
 * per-output-channel s3 and, for convolutions, the per-input-channel s4.
 */
interface FlexParams {
  logS1: tf.Variable;
  s2: tf.Variable;
  s3: tf.Variable;
  s4?: tf.Variable;
}

function flexParams(shape: readonly number[], grid: WeightGrid): FlexParams {
  const zeros = (s: number[]) => tf.tidy(() => tf.variable(tf.zeros(s), true));
  const ones = shape.slice(1).map(() => 1);
  return {
    logS1: zeros(grid.scale.shape),
    s2: zeros(shape.slice()),
    s3: zeros([shape[0], ...ones]),
    s4: shape.length === 4 ? zeros([1, shape[1], 1, 1]) : undefined,
  };
}

function variables(p: FlexParams): tf.Variable[] {
  return [p.logS1, p.s2, p.s3, ...(p.s4 ? [p.s4] : [])];
}

/** The codes clip(round(W / (s1·exp(S2)·exp(s3)[·exp(s4)])) + z, qmin, qmax) and s1. */
function flexCodes(weight: tf.Tensor, p: FlexParams, grid: WeightGrid, round: (x: tf.Tensor) => tf.Tensor) {
  const s1 = tf.mul(grid.scale, tf.exp(p.logS1));
  const logDivision = p.s4 ? tf.add(tf.add(p.s2, p.s3), p.s4) : tf.add(p.s2, p.s3);
  const divisor = tf.mul(s1, tf.exp(logDivision));
  const codes = tf.clipByValue(tf.add(round(tf.div(weight, divisor)), grid.zeroPoint), grid.min, grid.max);
  return { codes, s1 };
}

/**
 * FlexRound (Lee et al., 2023) on one layer: W̃ = s1·(clip(⌊W / (s1·exp(S2)·exp(s3)[·exp(s4)])⌉ + z) − z)
 * with straight-through rounding, learning s1 (from the grid scale), S2, s3 (and s4 for convs) with
 * Adam on the same reconstruction loss as AdaRound (no regulariser). S2, s3 and s4 only decide which
 * integer each weight takes; the dequantized weight is (code − z)·s1, so the hardened layer is a
 * standard QuantizedTensor whose scale is the learned s1 (per channel or per tensor) and whose zero
 * point is the grid's. Codes may move beyond ⌊W/s⌋ and ⌈W/s⌉.
 */
export function flexroundLayer(
  problem: LayerProblem,
  settings: AdaroundConfigInput = {},
  onIteration?: IterationCallback,
): LayerResult {
  const config = adaroundConfig({ ...settings, method: 'flexround' });
  checkProblem(problem);
  const { weight, inputs, apply } = problem;
  const grid = weightGrid(problem.qparams, problem.args, weight.shape);
  const outputs = layerOutputs(problem);
  const params = flexParams(weight.shape, grid);
  const optimizer = tf.train.adam(config.learningRate);
  const hardened: tf.Tensor[] = [];
  try {
    const step = (xb: tf.Tensor, yb: tf.Tensor, _progress: number, report: boolean) =>
      optimizer.minimize(
        () => {
          const { codes, s1 } = flexCodes(weight, params, grid, roundSte);
          const objective = reconstructionObjective(yb, outputs.reluBias);
          return objective(apply(xb, tf.mul(tf.sub(codes, grid.zeroPoint), s1)));
        },
        report,
        variables(params),
      );
    optimizeReconstruction(inputs, outputs.targets, step, config, onIteration);
    const [codes, scale] = tf.tidy(() => {
      const { codes: c, s1 } = flexCodes(weight, params, grid, tf.round);
      return [tf.cast(c, 'int32'), tf.reshape(s1, problem.qparams.scale.shape)];
    });
    hardened.push(codes, scale);
    const qparams: QParams = { scale, zeroPoint: problem.qparams.zeroPoint };
    return layerResult(problem, codes, qparams, outputs);
  } finally {
    optimizer.dispose();
    disposeOutputs(outputs);
    tf.dispose([...variables(params), ...hardened]);
    disposeGrid(grid);
  }
}
