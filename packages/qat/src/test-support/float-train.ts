// Float training of a test model (its "pretrained" starting point), through ForwardOptions.parameters.
import { type QuantModel, type QuantTarget, tf } from '@lowbit/core-tensor';
import type { ImageData } from '../data';
import { gatherBatch } from '../data';
import { softmaxCrossEntropy } from '../loss';
import { shuffledIndices } from '../train';
import { variableFrom } from '../variables';

/** Trains every weight and bias of `model` in float with Adam, then writes them back. */
export function trainFloat(
  model: QuantModel,
  data: ImageData,
  steps: number,
  batchSize = 64,
  lr = 0.01,
): void {
  const vars = new Map<string, { target: QuantTarget; weight: tf.Variable; bias?: tf.Variable }>();
  const parameters = (target: QuantTarget, role: 'weight' | 'bias', value: tf.Tensor) => {
    let entry = vars.get(target.name);
    if (!entry) {
      entry = { target, weight: variableFrom(target.weight(), true) };
      vars.set(target.name, entry);
    }
    if (role === 'weight') return tf.clone(entry.weight);
    entry.bias ??= variableFrom(value.clone(), true);
    return tf.clone(entry.bias);
  };
  const optimizer = tf.train.adam(lr);
  const block = model.blocks[0];
  const order = shuffledIndices(data.shape[0], 7);
  const first = gatherBatch(data, order.subarray(0, 1));
  tf.tidy(() => {
    block.forward(first.images, undefined, { parameters });
  });
  first.images.dispose();
  const varList = [...vars.values()].flatMap((v) => (v.bias ? [v.weight, v.bias] : [v.weight]));
  for (let s = 0; s < steps; s++) {
    const start = (s * batchSize) % (data.shape[0] - batchSize);
    const batch = gatherBatch(data, order.subarray(start, start + batchSize));
    tf.tidy(() => {
      const labels = tf.tensor1d(batch.labels, 'int32');
      optimizer.minimize(
        () => softmaxCrossEntropy(block.forward(batch.images, undefined, { parameters }), labels),
        false,
        varList,
      );
    });
    batch.images.dispose();
  }
  optimizer.dispose();
  for (const { target, weight, bias } of vars.values()) {
    target.setWeight(weight);
    if (bias) target.bias?.write(Float32Array.from(bias.dataSync()));
    tf.dispose([weight, bias].filter((v): v is tf.Variable => v !== undefined));
  }
}
