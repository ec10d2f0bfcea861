// Quantizes an imported ONNX CNN with core-tensor's primitives alone (technique packages are off limits here).
import {
  type ActivationQuantPlan,
  allTargets,
  perChannel,
  perTensor,
  type QuantArgsInput,
  QuantizedTensor,
  type QuantModel,
  qparamsFromRange,
  quantArgs,
  tf,
} from '@lowbit/core-tensor';

/** Min/max round-to-nearest of every target, per output channel of its [out, …] view. */
export function quantizeWeights(model: QuantModel, args: QuantArgsInput, only?: readonly string[]): void {
  const resolved = quantArgs({ granularity: perChannel(0), ...args });
  for (const target of allTargets(model)) {
    if (only && !only.includes(target.name)) continue;
    const [out] = target.shape;
    const view = tf.tidy(() => tf.reshape(target.weight(), [out, -1]));
    target.setWeight(QuantizedTensor.fromTensor(view, resolved, undefined, target.name));
    view.dispose();
  }
}

/** A static per-tensor plan from the min/max of every target's input over `batch`. */
export function minMaxPlan(model: QuantModel, batch: tf.Tensor, args: QuantArgsInput): ActivationQuantPlan {
  const resolved = quantArgs({ granularity: perTensor(), ...args });
  const ranges = new Map<string, { min: number; max: number }>();
  const x = model.embed(batch);
  const out = model.blocks[0].forward(x, (name, input) => {
    const [min, max] = tf.tidy(() => [tf.min(input).dataSync()[0], tf.max(input).dataSync()[0]]);
    const seen = ranges.get(name) ?? { min, max };
    ranges.set(name, { min: Math.min(seen.min, min), max: Math.max(seen.max, max) });
  });
  tf.dispose([x, out]);
  const qparams: Record<string, { scale: number; zeroPoint: number }> = {};
  for (const [name, { min, max }] of ranges) {
    const [scale, zeroPoint] = tf.tidy(() => {
      const qp = qparamsFromRange(tf.scalar(min), tf.scalar(max), resolved);
      return [qp.scale.dataSync()[0], qp.zeroPoint.dataSync()[0]];
    });
    qparams[name] = { scale, zeroPoint };
  }
  return { mode: 'static', args: resolved, qparams };
}
