import { codeRange, LowbitError, type QuantArgs, tf } from '@lowbit/core-tensor';

type UnaryGradFunc = (
  x: tf.Tensor,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor };

/** tf.customGrad for a one-input function (tfjs' own typing lumps inputs and `save` together). */
function unaryCustomGrad(f: UnaryGradFunc): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** round() (half to even, like quantize) whose gradient is the identity: the straight-through estimator. */
export const roundSte = unaryCustomGrad((v) => ({ value: tf.round(v), gradFunc: (dy) => dy }));

/** The identity whose gradient is multiplied by `factor` (LSQ's gradient scale g). */
export function scaleGradient(t: tf.Tensor, factor: number): tf.Tensor {
  const op = unaryCustomGrad((v) => ({ value: tf.clone(v), gradFunc: (dy) => tf.mul(dy, factor) }));
  return op(t);
}

/** LSQ's gradient scale g = 1/sqrt(N·Q_p): N elements share one step size, Q_p is the largest code. */
export function lsqGradScale(elementsPerScale: number, args: QuantArgs): number {
  const { min, max } = codeRange(args);
  const qp = Math.max(max - (args.signed ? 0 : min), 1);
  return 1 / Math.sqrt(Math.max(elementsPerScale, 1) * qp);
}

export interface LsqPlusOptions {
  /** Multiplier of the scale and zero-point gradients (default lsqGradScale(x.size, args)). */
  gradScale?: number;
}

/**
 * Per-tensor LSQ with a learnable zero point (LSQ+, Bhalgat et al., 2020, in ONNX's integer form):
 * q = clip(round(x/s) + round(z), q_min, q_max), x̂ = (q − round(z))·s. Gradients (STE through both
 * rounds): ∂x̂/∂x = 1 inside the range, 0 outside; ∂x̂/∂s = round(x/s) − x/s inside, q − round(z)
 * outside; ∂x̂/∂z = 0 inside, −s outside. s and z are scalars (e.g. tf.Variables); their gradients
 * are scaled by g. The forward is exactly core-tensor's fakeQuantizePerTensor with {s, round(z)}.
 */
export function lsqPlusFakeQuantize(
  x: tf.Tensor,
  scale: tf.Tensor,
  zeroPoint: tf.Tensor,
  args: QuantArgs,
  options: LsqPlusOptions = {},
): tf.Tensor {
  if (args.type !== 'int' || args.granularity.kind !== 'tensor' || args.zeroPointDomain !== 'int') {
    throw new LowbitError(
      'BAD_ARGS',
      'lsqPlusFakeQuantize quantizes per tensor to int codes with an integer zero point; use quantArgs({ type: "int" }) with per-tensor granularity.',
    );
  }
  const { min, max } = codeRange(args);
  const g = options.gradScale ?? lsqGradScale(x.size, args);
  return tf.tidy(() => {
    const s = tf.reshape(scaleGradient(scale, g), [1, 1, 1, 1]);
    const z = tf.reshape(roundSte(tf.clipByValue(scaleGradient(zeroPoint, g), min, max)), [1, 1, 1, 1]);
    const flat = tf.reshape(x, [1, 1, x.size, 1]);
    const q = tf.clipByValue(tf.add(roundSte(tf.div(flat, s)), z), min, max);
    return tf.reshape(tf.mul(tf.sub(q, z), s), x.shape);
  });
}
