import type { ArrayTarget, DenseWeight, QuantizedTensor } from '@lowbit/core-tensor';

/**
 * The float weights of one block at a time. A quantized target is dequantized once per block pass
 * instead of once per batch; the copies are dropped when another block (or the head) asks, so a
 * quantized model holds at most one block's float weights besides its codes.
 */
export class WeightWindow {
  private owner: object | undefined;
  private readonly dequantized = new Map<ArrayTarget, { source: QuantizedTensor; values: Float32Array }>();

  /** `target`'s current weight as `owner` (a block, or the model's head) computes with it. */
  weight(owner: object, target: ArrayTarget): DenseWeight {
    const shape = target.shape as [number, number];
    const quantized = target.quantized;
    if (!quantized) return { values: target.values, shape };
    if (owner !== this.owner) {
      this.dequantized.clear();
      this.owner = owner;
    }
    let entry = this.dequantized.get(target);
    if (entry?.source !== quantized) {
      entry = { source: quantized, values: target.values };
      this.dequantized.set(target, entry);
    }
    return { values: entry.values, shape };
  }
}
