import { LowbitError } from '../errors';

export type EngineName = 'onnxruntime' | 'tfjs';

/** The sizes of a (batched) product C [batch, m, n] = A [batch, m, k] · B [batch, k, n] (or Bᵀ). */
export interface MatMulDims {
  /** Independent products stacked along the leading axis (default 1). */
  batch?: number;
  m: number;
  k: number;
  n: number;
  /** B is stored [batch, n, k] and used transposed (a linear layer's [out, in] weight). */
  transposeB?: boolean;
}

/** Sizes of scaled dot-product attention over `batch` independent heads. */
export interface AttentionDims {
  batch: number;
  /** Query rows per head. */
  queries: number;
  /** Key and value rows per head. */
  keys: number;
  /** Size of a query, key and value vector. */
  depth: number;
  /** Multiplies q·kᵀ before the mask, usually 1/√depth. */
  scale: number;
}

/**
 * The dense, gradient-free compute of lowbit: calibration forwards, Hessians, GPTQ's updates,
 * AWQ's searches, evaluation. Operands and results are row-major float32 arrays outside tfjs, so
 * an engine never holds a model's weights. tfjs stays the engine for gradients (AdaRound, QAT).
 */
export interface DenseEngine {
  readonly name: EngineName;
  /** Threads one op may use. */
  readonly threads: number;
  /** C = A·B (or A·Bᵀ), per batch. */
  matMul(a: Float32Array, b: Float32Array, dims: MatMulDims): Float32Array;
  /** XᵀX [columns, columns] of X [rows, columns]: a Hessian's or a Gram matrix's update. */
  gram(x: Float32Array, rows: number, columns: number): Float32Array;
  /**
   * softmax(scale·q·kᵀ + mask)·v per head, for q [batch, queries, depth], k and v [batch, keys,
   * depth] and an additive mask [queries, keys] shared by the heads → [batch, queries, depth].
   */
  attention(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    mask: Float32Array,
    dims: AttentionDims,
  ): Float32Array;
}

function checkSize(name: string, value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new LowbitError('BAD_ARGS', `${what}: ${name} is ${value}; pass a non-negative integer size.`);
  }
  if (value === 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `${what}: ${name} is 0 (an empty batch); pass at least one row and one column.`,
    );
  }
}

function checkLength(name: string, array: Float32Array, expected: number, what: string): void {
  if (array.length !== expected) {
    throw new LowbitError(
      'BAD_TENSOR',
      `${what}: ${name} has ${array.length} values, the sizes say ${expected}; pass arrays that match the dims.`,
    );
  }
}

/** Throws a LowbitError unless the operands of a matMul fit its dims. */
export function checkMatMul(a: Float32Array, b: Float32Array, dims: MatMulDims): void {
  const { batch = 1, m, k, n } = dims;
  const what = `matMul [${batch}, ${m}, ${k}] · [${batch}, ${k}, ${n}]`;
  for (const [name, value] of Object.entries({ batch, m, k, n })) checkSize(name, value, what);
  checkLength('A', a, batch * m * k, what);
  checkLength('B', b, batch * k * n, what);
}

/** Throws a LowbitError unless the attention operands fit their dims. */
export function checkAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array,
  dims: AttentionDims,
): void {
  const { batch, queries, keys, depth } = dims;
  const what = `attention of [${batch}, ${queries}, ${depth}] queries over ${keys} keys`;
  for (const [name, value] of Object.entries({ batch, queries, keys, depth })) checkSize(name, value, what);
  checkLength('q', q, batch * queries * depth, what);
  checkLength('k', k, batch * keys * depth, what);
  checkLength('v', v, batch * keys * depth, what);
  checkLength('mask', mask, queries * keys, what);
  if (!Number.isFinite(dims.scale)) {
    throw new LowbitError(
      'BAD_ARGS',
      `${what}: scale is ${dims.scale}; pass a finite number such as 1/√depth.`,
    );
  }
}

/** Throws a LowbitError unless x holds rows × columns values, both positive. */
export function checkGram(x: Float32Array, rows: number, columns: number): void {
  const what = `gram of [${rows}, ${columns}]`;
  checkSize('rows', rows, what);
  checkSize('columns', columns, what);
  checkLength('X', x, rows * columns, what);
}
