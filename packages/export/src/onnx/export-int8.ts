import { LowbitError } from '@lowbit/core-tensor';
import type { LlamaModel } from '@lowbit/models';
import { type ExportOnnxOptions, writeLlamaOnnx } from './export-llama';
import { activationTable, type StaticActivations } from './static-activations';

export interface ExportLlamaOnnxQdqOptions extends ExportOnnxOptions {
  /** Per-target activation scale/zero point: w8a8Static's `plan()` or its report. */
  activations: StaticActivations;
}

function checkPlannedTargets(model: LlamaModel, planned: Iterable<string>): void {
  const targets = new Map(model.blocks.flatMap((b) => b.targets).map((t) => [t.name, t]));
  for (const name of planned) {
    const target = targets.get(name);
    if (!target?.quantized) {
      throw new LowbitError(
        'BAD_ARGS',
        `activations name ${name}, which is ${target ? 'not quantized' : 'not a decoder linear of this model'}; pass the plan of the w8a8Static run that quantized this model.`,
      );
    }
  }
}

/**
 * Writes the decoder as ONNX QDQ (opset 17) for static W8A8: each planned linear becomes
 * QuantizeLinear → DequantizeLinear on its input (per-tensor) and MatMul with an int8 weight
 * DequantizeLinear'd per output channel; other linears stay float MatMul.
 */
export function exportLlamaOnnxQdq(
  model: LlamaModel,
  path: string,
  options: ExportLlamaOnnxQdqOptions,
): void {
  const activations = activationTable(options.activations);
  checkPlannedTargets(model, activations.qparams.keys());
  writeLlamaOnnx(model, path, { kind: 'qdq', activations }, options);
}

/**
 * Writes the decoder for dynamic W8A8 (opset 17): each quantized linear becomes
 * DynamicQuantizeLinear → MatMulInteger (int8 weights) → Cast → Mul by the scales. onnxruntime's
 * DynamicQuantizeLinear is uint8 with one range per input tensor, not lowbit's per-token ranges.
 */
export function exportLlamaOnnxDynamic(
  model: LlamaModel,
  path: string,
  options: ExportOnnxOptions = {},
): void {
  writeLlamaOnnx(model, path, { kind: 'dynamic' }, options);
}
