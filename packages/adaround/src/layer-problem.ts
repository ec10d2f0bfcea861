import {
  assertFinite,
  LowbitError,
  type QParams,
  type QuantArgs,
  type QuantizedTensor,
  tf,
} from '@lowbit/core-tensor';
import { activate, datasetLoss, type LayerApply } from './reconstruction';
import { disposeGrid, gridValues, nearestCodes, quantizedWeight, weightGrid } from './weight-grid';

/** One layer's reconstruction problem, on plain tensors (nothing here is disposed by the solvers). */
export interface LayerProblem {
  /** The float weight in the layer's layout ([out, in] or [out, in, kh, kw]). */
  readonly weight: tf.Tensor;
  /** Int quantization args over the weight's 2-D [out, in·kh·kw] view: per channel (axis 0) or per tensor. */
  readonly args: QuantArgs;
  /** The initial grid: scale and zero point in the args' paramShape ([out] or []). */
  readonly qparams: QParams;
  /** The layer's calibration inputs [N, ...] (float, or from the partly quantized model). */
  readonly inputs: tf.Tensor;
  /** The float outputs to reconstruct [N, ...]: apply(float inputs, weight). */
  readonly targets: tf.Tensor;
  /** The layer's op without bias. */
  readonly apply: LayerApply;
  /** The layer's bias, one value per output channel (zeros when absent); used with `activation`. */
  readonly bias?: Float32Array;
  /**
   * The activation right after the layer: with 'relu', the loss compares relu(apply(X, W̃) + b) with
   * relu(Y + b) (AdaRound's asymmetric reconstruction, AIMET's act_func); without, apply(X, W̃) with Y.
   */
  readonly activation?: 'relu';
  /** The layer's name, for error messages. */
  readonly name?: string;
}

/** The hardened layer and how well it reconstructs the calibration outputs. */
export interface LayerResult {
  /** Codes, final scale and zero point over the 2-D [out, in·kh·kw] view. */
  readonly quantized: QuantizedTensor;
  /** Reconstruction loss of round-to-nearest on the initial grid over all calibration samples. */
  readonly nearestLoss: number;
  /** Reconstruction loss of the hardened codes over all calibration samples. */
  readonly loss: number;
  /** Fraction of weights whose code differs from round-to-nearest's. */
  readonly flipped: number;
  /** ‖W − Ŵ‖_F / ‖W‖_F. */
  readonly relativeError: number;
}

/** Rejects problems the solvers cannot run: non-int args, mismatched sample counts, NaN/Inf. */
export function checkProblem(problem: LayerProblem): void {
  const name = problem.name ?? 'layer';
  if (problem.args.type !== 'int' || problem.args.granularity.kind === 'group') {
    throw new LowbitError(
      'BAD_ARGS',
      `"${name}": AdaRound/FlexRound learn uniform int grids per channel or per tensor; use type 'int' with perChannel(0) or perTensor().`,
    );
  }
  if (problem.inputs.shape[0] !== problem.targets.shape[0] || problem.inputs.shape[0] === 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `"${name}": ${problem.inputs.shape[0]} input samples but ${problem.targets.shape[0]} target samples; pass the same, non-zero number of each.`,
    );
  }
  assertFinite(problem.weight, name);
  assertFinite(problem.inputs, `${name} inputs`);
  assertFinite(problem.targets, `${name} targets`);
}

/** What the loss compares: the bias broadcast over the output for a ReLU, and the activated targets. */
export interface LayerOutputs {
  /** The bias as [1, C, 1, …] when the layer is followed by a ReLU; undefined compares pre-activation outputs. */
  readonly reluBias: tf.Tensor | undefined;
  /** activate(Y): relu(Y + b), or a copy of Y. */
  readonly targets: tf.Tensor;
}

/** The problem's loss targets (the caller disposes both tensors with disposeOutputs). */
export function layerOutputs(problem: LayerProblem): LayerOutputs {
  const { targets } = problem;
  if (problem.activation !== 'relu') return { reluBias: undefined, targets: targets.clone() };
  const channels = targets.shape[1] ?? 0;
  const bias = problem.bias ?? new Float32Array(channels);
  if (bias.length !== channels || bias.some((b) => !Number.isFinite(b))) {
    throw new LowbitError(
      'BAD_TENSOR',
      `"${problem.name ?? 'layer'}": the bias has ${bias.length} values for ${channels} output channels (or NaN/Inf); pass one finite value per output channel.`,
    );
  }
  const shape = targets.shape.map((d, i) => (i === 1 ? d : 1));
  const reluBias = tf.tensor(bias, shape);
  return { reluBias, targets: activate(targets, reluBias) };
}

export function disposeOutputs(outputs: LayerOutputs): void {
  tf.dispose([outputs.targets, ...(outputs.reluBias ? [outputs.reluBias] : [])]);
}

/**
 * The result of hardened `codes` (int32, the weight's layout) on `qparams`: losses of these codes and
 * of round-to-nearest on the problem's grid, the fraction flipped and the weight error.
 */
export function layerResult(
  problem: LayerProblem,
  codes: tf.Tensor,
  qparams: QParams,
  outputs: LayerOutputs,
): LayerResult {
  const { weight, args, inputs, apply } = problem;
  const { targets, reluBias } = outputs;
  const nearestGrid = weightGrid(problem.qparams, args, weight.shape);
  const grid = weightGrid(qparams, args, weight.shape);
  const nearest = nearestCodes(weight, problem.qparams, args);
  const nearestWeight = gridValues(nearest, nearestGrid);
  const hardened = gridValues(codes, grid);
  try {
    const [flipped, relativeError] = tf.tidy(() => [
      tf.mean(tf.cast(tf.notEqual(codes, nearest), 'float32')).dataSync()[0],
      tf.div(tf.norm(tf.sub(weight, hardened)), tf.maximum(tf.norm(weight), 1e-30)).dataSync()[0],
    ]);
    return {
      quantized: quantizedWeight(codes, weight.shape, qparams, args),
      nearestLoss: datasetLoss(inputs, targets, nearestWeight, apply, reluBias),
      loss: datasetLoss(inputs, targets, hardened, apply, reluBias),
      flipped,
      relativeError,
    };
  } finally {
    tf.dispose([nearest, nearestWeight, hardened]);
    disposeGrid(nearestGrid);
    disposeGrid(grid);
  }
}
