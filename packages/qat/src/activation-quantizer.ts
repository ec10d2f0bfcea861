import { type ActivationQParams, codeRange, type QParams, tf } from '@lowbit/core-tensor';
import type { ActivationQatConfig } from './config';
import { lsqPlusFakeQuantize } from './lsq';
import { variableFrom } from './variables';

const MIN_SCALE = 1e-8;

/**
 * The fake quantizer of one target's input: a per-tensor scale and zero point, calibrated by an
 * observer, then learned (LSQ+ / AIMET range learning) or kept fixed (plain STE).
 */
export class ActivationRangeQuantizer {
  readonly scale: tf.Variable;
  /** Real-valued while learning; the forward and the plan use round(clip(zeroPoint)). */
  readonly zeroPoint: tf.Variable;

  constructor(
    readonly target: string,
    initial: QParams,
    private readonly config: ActivationQatConfig,
  ) {
    const learn = config.range === 'learn';
    this.scale = variableFrom(
      tf.tidy(() => tf.maximum(tf.reshape(initial.scale, []), MIN_SCALE)),
      learn,
      `${target}/input_scale`,
    );
    this.zeroPoint = variableFrom(
      tf.tidy(() => tf.reshape(initial.zeroPoint, [])),
      learn && !config.args.symmetric,
      `${target}/input_zero_point`,
    );
  }

  /** The variables range learning updates (none when ranges are fixed). */
  get variables(): tf.Variable[] {
    if (this.config.range !== 'learn') return [];
    return this.config.args.symmetric ? [this.scale] : [this.scale, this.zeroPoint];
  }

  /** x fake-quantized; differentiable in x, the scale and the zero point. */
  apply(x: tf.Tensor): tf.Tensor {
    return lsqPlusFakeQuantize(x, this.scale, this.zeroPoint, this.config.args);
  }

  /** The qparams the forward uses now, for a static ActivationQuantPlan. */
  qparams(): ActivationQParams {
    const { min, max } = codeRange(this.config.args);
    // tf.round (half to even), exactly as the forward rounds it.
    const zeroPoint = tf.tidy(() => tf.round(tf.clipByValue(this.zeroPoint, min, max)).dataSync()[0]);
    return { scale: this.scale.dataSync()[0], zeroPoint };
  }

  /** Keeps the step size positive after an optimizer step. */
  constrain(): void {
    tf.tidy(() => this.scale.assign(tf.maximum(this.scale, MIN_SCALE)));
  }

  dispose(): void {
    tf.dispose([this.scale, this.zeroPoint]);
  }
}
