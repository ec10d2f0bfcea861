import { codeRange, LowbitError, type QuantizedTensor } from '@lowbit/core-tensor';

/** An 8-bit [out, in] weight laid out for MatMul as [in, out], with one scale per output column. */
export interface Int8Weight {
  /** int8 (signed codes) or uint8 [in, out] */
  codes: Int8Array | Uint8Array;
  /** [out] */
  scales: Float32Array;
  /** [out], the codes' type; undefined when every zero point is 0. */
  zeroPoints?: Int8Array | Uint8Array;
}

function bad(name: string, problem: string): never {
  throw new LowbitError('BAD_ARGS', `${name}: ${problem}`);
}

/** The per-output-channel (or per-tensor) 8-bit weight of a quantized linear, transposed to [in, out]. */
export function int8Weight(q: QuantizedTensor, name: string): Int8Weight {
  const { type, bits, zeroPointDomain, granularity: g, signed } = q.args;
  const perRow = g.kind === 'channel' && g.axis === 0;
  if (
    type !== 'int' ||
    bits !== 8 ||
    zeroPointDomain !== 'int' ||
    !(perRow || g.kind === 'tensor') ||
    q.gIdx
  ) {
    bad(
      name,
      'int8 ONNX linears need 8-bit int weights per output channel (or per tensor); quantize with w8a8Static/w8a8Dynamic (or rtn({ bits: 8, groupSize: "channel" })).',
    );
  }
  const [out, inputs] = q.shape;
  const param = (o: number) => (perRow ? o : 0);
  const { min } = codeRange(q.args);
  const codes = signed ? new Int8Array(q.codes.length) : new Uint8Array(q.codes.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inputs; i++) codes[i * out + o] = q.codes[o * inputs + i];
  const scales = Float32Array.from({ length: out }, (_, o) => q.scale[param(o)]);
  const zeros = Array.from({ length: out }, (_, o) => q.zeroPoint[param(o)]);
  if (zeros.some((z) => !(Number.isInteger(z) && z >= min && z <= min + 255))) {
    bad(name, 'has a zero point outside the 8-bit code range; re-quantize with clamped zero points.');
  }
  const zeroPoints = zeros.every((z) => z === 0)
    ? undefined
    : signed
      ? Int8Array.from(zeros)
      : Uint8Array.from(zeros);
  return { codes, scales, zeroPoints };
}
