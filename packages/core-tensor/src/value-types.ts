/**
 * Non-uniform value types: a sorted table of representable values (in units of the scale) and
 * the code that encodes each. Uniform integers are handled arithmetically instead.
 */
export interface ValueTable {
  /** Representable values, ascending. */
  values: Float32Array;
  /** `codes[i]` is the bit pattern of `values[i]`. */
  codes: Int32Array;
  /** `decode[code]` is the value of a code (NaN for codes that encode NaN/Inf). */
  decode: Float32Array;
  /** Largest magnitude: the scale maps the block's absmax onto it. */
  maxValue: number;
}

/** bitsandbytes' NF4 code book: quantiles of N(0,1) normalised to [-1, 1]; code = index. */
export const NF4_VALUES = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/** Decoded value of every code of a minifloat with a sign bit, `e` exponent and `m` mantissa bits. */
function minifloatDecode(e: number, m: number, finite: (exp: number, man: number) => boolean): Float32Array {
  const bias = 2 ** (e - 1) - 1;
  const out = new Float32Array(2 ** (1 + e + m));
  for (let code = 0; code < out.length; code++) {
    const sign = code >> (e + m) ? -1 : 1;
    const exp = (code >> m) & ((1 << e) - 1);
    const man = code & ((1 << m) - 1);
    if (!finite(exp, man)) {
      out[code] = Number.NaN;
      continue;
    }
    const magnitude = exp === 0 ? (man / 2 ** m) * 2 ** (1 - bias) : (1 + man / 2 ** m) * 2 ** (exp - bias);
    out[code] = sign * magnitude;
  }
  return out;
}

function tableFromDecode(decode: Float32Array): ValueTable {
  const entries: [number, number][] = [];
  decode.forEach((v, code) => {
    // Skip NaN/Inf and the negative zero, which duplicates +0.
    if (Number.isFinite(v) && !Object.is(v, -0)) entries.push([v, code]);
  });
  entries.sort((a, b) => a[0] - b[0]);
  const values = Float32Array.from(entries.map((e) => e[0]));
  return {
    values,
    codes: Int32Array.from(entries.map((e) => e[1])),
    decode,
    maxValue: Math.max(...values.map(Math.abs)),
  };
}

const allFinite = () => true;
const e4m3fnFinite = (exp: number, man: number) => !(exp === 15 && man === 7); // only S.1111.111 is NaN
const e5m2Finite = (exp: number) => exp !== 31; // IEEE-like: top exponent is Inf/NaN

const TABLES = {
  nf4: () => ({
    values: NF4_VALUES,
    codes: Int32Array.from(NF4_VALUES, (_, i) => i),
    decode: NF4_VALUES,
    maxValue: 1,
  }),
  fp4: () => tableFromDecode(minifloatDecode(2, 1, allFinite)), // OCP e2m1: ±{0, .5, 1, 1.5, 2, 3, 4, 6}
  'fp8-e4m3': () => tableFromDecode(minifloatDecode(4, 3, e4m3fnFinite)), // OCP e4m3fn, max 448
  'fp8-e5m2': () => tableFromDecode(minifloatDecode(5, 2, e5m2Finite)), // OCP e5m2, max 57344
} satisfies Record<string, () => ValueTable>;

export type TableValueType = keyof typeof TABLES;

const cache = new Map<TableValueType, ValueTable>();

/** The value table of a non-uniform type (built once, then cached). */
export function valueTable(type: TableValueType): ValueTable {
  let table = cache.get(type);
  if (!table) {
    table = TABLES[type]();
    cache.set(type, table);
  }
  return table;
}
