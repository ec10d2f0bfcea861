import { chooseQParams, fakeQuantize, type QuantModel, type QuantTarget, tf } from '@lowbit/core-tensor';
import { staticActivationArgs, WEIGHT_ARGS } from '../w8a8-args';

/** Why W8A8 hurts a linear: how outlier-heavy its input is, and its own output error under W8A8. */
export interface LinearEvidence {
  target: string;
  /** max over channels of max|X_j|, divided by their median. */
  outlierRatio: number;
  /** ‖Q(X)·Q(W)ᵀ − X·Wᵀ‖² / ‖X·Wᵀ‖², static per-tensor int8 X (min/max), per-channel int8 W. */
  relativeMse: number;
}

function outlierRatio(x: tf.Tensor2D): number {
  const absMax = Array.from(tf.tidy(() => tf.max(tf.abs(x), 0).dataSync())).sort((a, b) => a - b);
  return absMax[absMax.length - 1] / absMax[Math.floor(absMax.length / 2)];
}

function relativeMse(x: tf.Tensor2D, target: QuantTarget): number {
  const activationArgs = staticActivationArgs({}, 'evidence');
  return tf.tidy(() => {
    const w = target.weight();
    const reference = tf.matMul(x, tf.transpose(w));
    const qx = fakeQuantize(x, chooseQParams(x, activationArgs), activationArgs);
    const qw = fakeQuantize(w, chooseQParams(w, WEIGHT_ARGS), WEIGHT_ARGS);
    const error = tf.sum(tf.squaredDifference(tf.matMul(qx, tf.transpose(qw)), reference));
    return tf.div(error, tf.sum(tf.square(reference))).dataSync()[0];
  });
}

/** Each linear's evidence on the float model's inputs for one batch of token ids. */
export function linearEvidence(model: QuantModel, batch: tf.Tensor): LinearEvidence[] {
  const evidence: LinearEvidence[] = [];
  let x = model.embed(batch);
  for (const block of model.blocks) {
    const next = tf.tidy(() =>
      block.forward(x, (name, input) => {
        const rows = tf.reshape(input, [-1, input.shape[input.rank - 1]]) as tf.Tensor2D;
        const target = block.targets.find((t) => t.name === name)!;
        evidence.push({
          target: name,
          outlierRatio: outlierRatio(rows),
          relativeMse: relativeMse(rows, target),
        });
      }),
    );
    x.dispose();
    x = next;
  }
  x.dispose();
  return evidence;
}
