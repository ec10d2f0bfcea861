import { QuantizedTensor } from '@lowbit/core-tensor';
import { gatherRows } from '@lowbit/models';

/** A quantized [out, in] weight whose output row r is row source[r] of `q` (codes, scales and zero points). */
export function permuteRows(q: QuantizedTensor, source: Int32Array): QuantizedTensor {
  const [out, inputs] = q.shape;
  const paramCols = q.scale.length / out;
  return new QuantizedTensor({
    ...q.toRecord(),
    codes: gatherRows(q.codes, source, inputs),
    scale: gatherRows(q.scale, source, paramCols),
    zeroPoint: gatherRows(q.zeroPoint, source, paramCols),
  });
}
