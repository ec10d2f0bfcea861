import {
  type Block,
  fakeQuantize,
  perTensor,
  type QuantModel,
  qparamsFromRange,
  quantArgs,
  tf,
} from '@lowbit/core-tensor';

/** onnxruntime's DynamicQuantizeLinear: uint8, one asymmetric range per tensor, widened to include 0. */
const ORT_DYNAMIC_ARGS = quantArgs({ bits: 8, symmetric: false, granularity: perTensor() });

function perTensorDynamic(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const qparams = qparamsFromRange(tf.minimum(tf.min(x), 0), tf.maximum(tf.max(x), 0), ORT_DYNAMIC_ARGS);
    return fakeQuantize(x, qparams, ORT_DYNAMIC_ARGS);
  });
}

function quantizingBlock(block: Block): Block {
  return {
    ...block,
    forward: (x, capture) =>
      tf.tidy(() =>
        block.forward(x, (target, input) => {
          const quantized = perTensorDynamic(input);
          return capture?.(target, quantized) ?? quantized;
        }),
      ),
  };
}

/** `model` simulating onnxruntime's dynamic W8A8: every block linear's input fake-quantized per tensor. */
export function withPerTensorDynamicQuantization(model: QuantModel): QuantModel {
  return {
    ...model,
    blocks: model.blocks.map(quantizingBlock),
    embed: (batch) => model.embed(batch),
    head: (x) => model.head(x),
  };
}
