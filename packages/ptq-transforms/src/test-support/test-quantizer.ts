// A minimal static quantizer for tests (ptq-transforms must not import @lowbit/static-quant):
// per-tensor activation qparams from the float inputs' min/max, per-tensor symmetric weights.
import {
  type ActivationQParams,
  type ActivationQuantizer,
  type ActivationQuantPlan,
  type Block,
  type ModifierContext,
  perChannel,
  perTensor,
  QuantizedTensor,
  qparamsFromRange,
  quantArgs,
  scalarQParams,
  tf,
} from '@lowbit/core-tensor';

export function testQuantizer(
  weightBits: number,
  activationBits: number,
  perChannelWeights = false,
): ActivationQuantizer {
  const weightArgs = quantArgs({
    bits: weightBits,
    symmetric: true,
    granularity: perChannelWeights ? perChannel(0) : perTensor(),
  });
  const activationArgs = quantArgs({ bits: activationBits, symmetric: false });
  const qparams: Record<string, ActivationQParams> = {};
  let plan: ActivationQuantPlan | undefined;
  return {
    name: 'test-quantizer',
    needsCalibration: true,
    applyBlock: (block: Block, context: ModifierContext) => {
      const ranges = new Map<string, [number, number]>();
      for (const x of context.inputs) {
        tf.tidy(() => {
          block.forward(x, (name, input) => {
            const [lo, hi] = ranges.get(name) ?? [0, 0];
            ranges.set(name, [
              Math.min(lo, tf.min(input).dataSync()[0]),
              Math.max(hi, tf.max(input).dataSync()[0]),
            ]);
          });
        });
      }
      for (const [name, [lo, hi]] of ranges) {
        qparams[name] = scalarQParams(
          tf.tidy(() => qparamsFromRange(tf.scalar(lo), tf.scalar(hi), activationArgs)),
        );
      }
      for (const target of block.targets) {
        const w = tf.tidy(() => tf.reshape(target.weight(), [target.shape[0], -1]));
        target.setWeight(QuantizedTensor.fromTensor(w, weightArgs));
        w.dispose();
      }
      plan = { mode: 'static', args: activationArgs, qparams: { ...qparams } };
    },
    finalize: () => ({
      modifier: 'test-quantizer',
      config: {},
      targets: Object.keys(qparams).map((target) => ({ target, seconds: 0 })),
      seconds: 0,
    }),
    plan: () => plan!,
  };
}
