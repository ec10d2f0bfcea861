/** The lowest IR version that may import each ai.onnx opset (onnx/helper.py VERSION_TABLE). */
const IR_FOR_OPSET: readonly [opset: number, ir: number][] = [
  [8, 3],
  [9, 4],
  [10, 5],
  [11, 6],
  [14, 7],
  [18, 8],
  [20, 9],
  [22, 10],
  [24, 11],
];

/** The IR version a model importing `opset` needs. */
export function irVersionFor(opset: number): number {
  return IR_FOR_OPSET.find(([last]) => opset <= last)?.[1] ?? 11;
}

/** QuantizeLinear / DequantizeLinear exist from opset 10. */
export const QDQ_OPSET = 10;
/** DequantizeLinear's `axis` (per-channel) exists from opset 13. */
export const PER_AXIS_OPSET = 13;
/** int4 / uint4 tensors exist from opset 21. */
export const INT4_OPSET = 21;
