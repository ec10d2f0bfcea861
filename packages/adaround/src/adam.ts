import { tf } from '@lowbit/core-tensor';

/** Adam's moment decay rates and ε, as torch.optim.Adam (which AIMET uses). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/**
 * Adam (Kingma & Ba, 2015) on one variable, updated with a gradient the caller computes: twelve
 * elementwise ops per step and no tape. θ ← θ − lr·m̂/(√v̂ + ε).
 */
export class Adam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private t = 0;

  constructor(
    private readonly param: tf.Variable,
    private readonly learningRate: number,
  ) {
    this.m = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
    this.v = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
  }

  /** One step along `gradient` (call inside a tf.tidy). */
  update(gradient: tf.Tensor): void {
    this.t += 1;
    const correction1 = 1 - BETA1 ** this.t;
    const correction2 = Math.sqrt(1 - BETA2 ** this.t);
    this.m.assign(tf.add(tf.mul(this.m, BETA1), tf.mul(gradient, 1 - BETA1)));
    this.v.assign(tf.add(tf.mul(this.v, BETA2), tf.mul(tf.square(gradient), 1 - BETA2)));
    const denominator = tf.add(tf.sqrt(this.v), EPSILON * correction2);
    const stepSize = (this.learningRate * correction2) / correction1;
    this.param.assign(tf.sub(this.param, tf.mul(tf.div(this.m, denominator), stepSize)));
  }

  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}
