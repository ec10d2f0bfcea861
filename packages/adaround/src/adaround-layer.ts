import { tf } from '@lowbit/core-tensor';
import { Adam } from './adam';
import { type AdaroundConfig, type AdaroundConfigInput, adaroundConfig } from './config';
import { type LayerOperator, layerOperator } from './layer-operator';
import {
  checkProblem,
  disposeOutputs,
  type LayerOutputs,
  type LayerProblem,
  type LayerResult,
  layerOutputs,
  layerResult,
} from './layer-problem';
import { type IterationCallback, type OptimizerStep, optimizeReconstruction } from './optimize-loop';
import { reconstructionObjective } from './reconstruction';
import { rectifiedSigmoidSlope, stretchAndClip } from './rectified-sigmoid';
import { betaSchedule, regularizerGradient, roundingRegularizer } from './regularizer';
import { disposeRounding, hardCodes, type SoftRounding, softRounding, softWeight } from './soft-rounding';
import { disposeGrid, weightGrid } from './weight-grid';

/**
 * One AdaRound step. Only the layer op and the loss go through tfjs's tape (for ∂L/∂W̃); the rest of
 * the chain rule is written out, so each step costs the op, its weight gradient and about 25
 * elementwise ops over the weights (35 while the regulariser is on):
 * ∂/∂V = (∂L/∂W̃·rise + λ·∂R/∂h)·∂h/∂V, then Adam.
 */
function adaroundStep(
  rounding: SoftRounding,
  op: LayerOperator,
  outputs: LayerOutputs,
  adam: Adam,
  config: AdaroundConfig,
): OptimizerStep {
  const lambda = config.regularization;
  return (xb, yb, progress, report) => {
    const sigmoid = tf.sigmoid(rounding.v);
    const h = stretchAndClip(sigmoid);
    const objective = reconstructionObjective(yb, outputs.reluBias);
    const { value, grad } = tf.valueAndGrad((w: tf.Tensor) => objective(op.apply(xb, w)))(
      softWeight(rounding, h),
    );
    const { beta, regularize } = betaSchedule(progress, config);
    const regularized = regularize && lambda > 0;
    let dh = tf.mul(grad, rounding.rise);
    if (regularized) dh = tf.add(dh, regularizerGradient(h, beta, lambda));
    adam.update(tf.mul(dh, rectifiedSigmoidSlope(sigmoid)));
    if (!report || !regularized) return value;
    return tf.add(value, tf.mul(roundingRegularizer(h, beta), lambda)) as tf.Scalar;
  };
}

/**
 * AdaRound (Nagel et al., 2020) on one layer: learns, per weight, whether to round W/s down or up by
 * minimising ‖f(apply(X, W̃)) − f(Y)‖² + λ·Σ(1 − |2h(V) − 1|^β) over V with Adam on mini-batches,
 * f = relu(· + b) when the problem's activation is 'relu' (else the identity), with V initialised so
 * that h(V) is the fractional part of W/s and β annealed after a warm start without the
 * regulariser; then hardens V ≥ 0 to rounding up. `settings` are the AdaRound config fields
 * (validated as adaroundConfig; defaults as there).
 */
export function adaroundLayer(
  problem: LayerProblem,
  settings: AdaroundConfigInput = {},
  onIteration?: IterationCallback,
): LayerResult {
  const config = adaroundConfig({ ...settings, method: 'adaround' });
  checkProblem(problem);
  const { weight, inputs, apply } = problem;
  const grid = weightGrid(problem.qparams, problem.args, weight.shape);
  const outputs = layerOutputs(problem);
  const op = layerOperator(weight, inputs, apply);
  const rounding = softRounding(weight, grid, op);
  const adam = new Adam(rounding.v, config.learningRate);
  let codes: tf.Tensor | undefined;
  try {
    const step = adaroundStep(rounding, op, outputs, adam, config);
    optimizeReconstruction(inputs, outputs.targets, step, config, onIteration);
    codes = tf.tidy(() => op.fromOp(hardCodes(rounding, grid)));
    return layerResult(problem, codes, problem.qparams, outputs);
  } finally {
    tf.dispose(codes ? [codes] : []);
    adam.dispose();
    disposeRounding(rounding);
    disposeOutputs(outputs);
    disposeGrid(grid);
  }
}
