import {
  type ActivationQParams,
  type ActivationQuantPlan,
  LowbitError,
  type QuantModel,
} from '@lowbit/core-tensor';
import type { QatModel } from './qat-model';

export interface ConvertedQat {
  /** The model itself, its targets now holding QuantizedTensors and trained biases. */
  model: QuantModel;
  /** The learned activation quantizers for withActivationQuantization (absent when activations stay float). */
  plan: ActivationQuantPlan | undefined;
}

/**
 * Ends QAT: writes every target's final weight as a QuantizedTensor (codes from the learned step
 * sizes — the values the fake quantizer produced) and its trained bias, records the activation
 * qparams as a static plan, and frees the QAT variables.
 */
export function convertQat(qat: QatModel): ConvertedQat {
  qat.assertLive();
  for (const name of qat.biases.keys()) {
    if (!qat.weights.get(name)?.target.bias) {
      throw new LowbitError(
        'UNSUPPORTED_OP',
        `Target "${name}" has a trained bias but no bias access to write it; the model adapter must expose target.bias.`,
      );
    }
  }
  const quantized = [...qat.weights.values()].map((q) => ({ target: q.target, weight: q.toQuantized() }));
  for (const { target, weight } of quantized) {
    target.setWeight(weight);
    const bias = qat.biases.get(target.name);
    if (bias) target.bias?.write(Float32Array.from(bias.dataSync()));
  }
  const config = qat.config.activations;
  const qparams: Record<string, ActivationQParams> = {};
  for (const [name, quantizer] of qat.activations) qparams[name] = quantizer.qparams();
  qat.dispose();
  const plan: ActivationQuantPlan | undefined = config
    ? { mode: 'static', args: config.args, qparams }
    : undefined;
  return { model: qat.model, plan };
}
