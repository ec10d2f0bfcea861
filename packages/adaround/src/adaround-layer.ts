import { tf } from '@lowbit/core-tensor';
import { type AdaroundConfigInput, adaroundConfig } from './config';
import { checkProblem, type LayerProblem, type LayerResult, layerResult } from './layer-problem';
import { type IterationCallback, optimizeReconstruction } from './optimize-loop';
import { reconstructionLoss } from './reconstruction';
import { inverseRectifiedSigmoid, rectifiedSigmoid } from './rectified-sigmoid';
import { betaSchedule, roundingRegularizer } from './regularizer';
import { disposeGrid, type WeightGrid, weightGrid } from './weight-grid';

/** W̃ = s·(clip(⌊W/s⌋ + h + z, qmin, qmax) − z), differentiable in h. */
function softWeight(floor: tf.Tensor, h: tf.Tensor, grid: WeightGrid): tf.Tensor {
  return tf.tidy(() => {
    const codes = tf.clipByValue(tf.add(tf.add(floor, h), grid.zeroPoint), grid.min, grid.max);
    return tf.mul(tf.sub(codes, grid.zeroPoint), grid.scale);
  });
}

/** Hard codes: ⌊W/s⌋ + 1 where V ≥ 0 (h(V) ≥ ½), + z, clipped to the code range; int32. */
function hardCodes(floor: tf.Tensor, v: tf.Tensor, grid: WeightGrid): tf.Tensor {
  return tf.tidy(() => {
    const up = tf.cast(tf.greaterEqual(v, 0), 'float32');
    return tf.cast(tf.clipByValue(tf.add(tf.add(floor, up), grid.zeroPoint), grid.min, grid.max), 'int32');
  });
}

/**
 * AdaRound (Nagel et al., 2020) on one layer: learns, per weight, whether to round W/s down or up by
 * minimising ‖apply(X, W̃) − Y‖² + λ·Σ(1 − |2h(V) − 1|^β) over V with Adam on mini-batches, with
 * V initialised so that h(V) is the fractional part of W/s and β annealed after a warm start
 * without the regulariser; then hardens V ≥ 0 to rounding up. `settings` are the AdaRound config
 * fields (validated as adaroundConfig; defaults as there).
 */
export function adaroundLayer(
  problem: LayerProblem,
  settings: AdaroundConfigInput = {},
  onIteration?: IterationCallback,
): LayerResult {
  const config = adaroundConfig({ ...settings, method: 'adaround' });
  checkProblem(problem);
  const { weight, inputs, targets, apply } = problem;
  const grid = weightGrid(problem.qparams, problem.args, weight.shape);
  const [floor, v0] = tf.tidy(() => {
    const scaled = tf.div(weight, grid.scale);
    const down = tf.floor(scaled);
    return [down, inverseRectifiedSigmoid(tf.sub(scaled, down))];
  });
  const v = tf.variable(v0, true, undefined, 'float32');
  v0.dispose();
  let codes: tf.Tensor | undefined;
  try {
    const stepLoss = (xb: tf.Tensor, yb: tf.Tensor, progress: number): tf.Scalar => {
      const h = rectifiedSigmoid(v);
      const loss = reconstructionLoss(apply(xb, softWeight(floor, h, grid)), yb);
      const { beta, regularize } = betaSchedule(progress, config);
      if (!regularize || config.regularization === 0) return loss;
      return tf.add(loss, tf.mul(config.regularization, roundingRegularizer(h, beta)));
    };
    optimizeReconstruction(inputs, targets, [v], stepLoss, config, onIteration);
    codes = hardCodes(floor, v, grid);
    return layerResult(problem, codes, problem.qparams);
  } finally {
    tf.dispose([floor, v, ...(codes ? [codes] : [])]);
    disposeGrid(grid);
  }
}
