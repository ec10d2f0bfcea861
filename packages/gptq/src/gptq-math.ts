// GPTQ (Frantar et al., 2022) on plain matrices: the streaming Hessian and the quantization of one
// weight [out, in] given its Hessian, as the reference implementation's add_batch / fasterquant.
import { codeRange, denseEngine, LowbitError, QuantizedTensor, type tf } from '@lowbit/core-tensor';
import {
  descendingDiagonalOrder,
  groupIndexOf,
  permuteColumns,
  permuteSymmetric,
  unpermuteColumns,
} from './act-order';
import { quantizeColumns } from './column-loop';
import { type GptqConfig, type GptqConfigInput, gptqConfig } from './config';
import { zeroDeadColumns } from './dead-columns';
import { gptqQuantArgs } from './gptq-args';
import { dampedInverseFactor } from './inverse-factor';
import { planParams } from './param-plan';
import type { ParamTable } from './param-table';
import { validateInputs } from './validate-inputs';

/** A streaming Hessian H = 2/n Σ xxᵀ over the n input rows seen so far, outside tfjs. */
export interface HessianState {
  /** H [in, in], row-major. */
  readonly h: Float32Array;
  readonly columns: number;
  /** Rows accumulated so far (n). */
  samples: number;
}

export function createHessian(columns: number): HessianState {
  return { h: new Float32Array(columns * columns), columns, samples: 0 };
}

/**
 * Adds the rows of x [m, in], as the reference: H = H·n/(n+m) + 2/(n+m)·xᵀx, with xᵀx on the dense
 * engine.
 */
export function accumulateHessian(state: HessianState, x: tf.Tensor2D): void {
  const [rows, columns] = x.shape;
  if (x.rank !== 2 || columns !== state.columns) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Hessian input is [${x.shape}]; pass the layer inputs as [rows, ${state.columns}].`,
    );
  }
  accumulateHessianRows(state, x.dataSync() as Float32Array, rows);
}

/** accumulateHessian for rows [rows, in] already read out of tfjs. */
export function accumulateHessianRows(state: HessianState, x: Float32Array, rows: number): void {
  const gram = denseEngine().gram(x, rows, state.columns);
  const samples = state.samples + rows;
  const [keep, add] = [Math.fround(state.samples / samples), Math.fround(2 / samples)];
  const { h } = state;
  for (let i = 0; i < h.length; i++) h[i] = h[i] * keep + gram[i] * add;
  state.samples = samples;
}

export interface GptqResult {
  /** Codes and qparams [out, in]; with act-order (dynamic groups) also gIdx, and perm. */
  quantized: QuantizedTensor;
  /** The GPTQ objective Σ (w − q)² / d² / 2, d the diagonal of the upper Cholesky factor of H⁻¹. */
  loss: number;
  /** Dampening added to the diagonal of H, and its ratio to mean(diag(H)). */
  damp: number;
  dampRatio: number;
  /** Factorizations tried (1 when `percdamp` sufficed). */
  tries: number;
  seconds: number;
}

function assemble(
  codes: Int32Array,
  table: ParamTable,
  shape: [number, number],
  perm: Int32Array | undefined,
  config: GptqConfig,
): QuantizedTensor {
  const [rows, columns] = shape;
  const dynamicGroups = config.groupSize !== 'channel' && !config.staticGroups;
  return new QuantizedTensor({
    shape,
    args: gptqQuantArgs(config),
    codes: perm ? unpermuteColumns(codes, rows, columns, perm) : codes,
    scale: table.scale,
    zeroPoint: table.zero,
    gIdx: perm && dynamicGroups ? groupIndexOf(perm, config.groupSize as number) : undefined,
    perm,
  });
}

/**
 * Quantizes W [out, in] with the Hessian H [in, in] of its inputs: dead inputs zeroed, optional
 * act-order, H dampened until positive definite, then the blocked column loop. Neither input is changed.
 */
export function gptqQuantizeWeight(
  weight: tf.Tensor2D,
  hessian: tf.Tensor2D,
  config: GptqConfigInput = {},
  name = 'weight',
): GptqResult {
  const resolved = gptqConfig(config);
  validateInputs(weight, hessian, resolved, name);
  return gptqQuantizeMatrix(
    weight.dataSync() as Float32Array,
    hessian.dataSync() as Float32Array,
    weight.shape,
    resolved,
    name,
  );
}

/**
 * gptqQuantizeWeight on row-major arrays already validated (the modifier's path: its Hessians never
 * enter tfjs). Neither array is changed.
 */
export function gptqQuantizeMatrix(
  weight: Float32Array,
  hessian: Float32Array,
  [rows, columns]: [number, number],
  resolved: GptqConfig,
  name: string,
): GptqResult {
  const started = performance.now();
  const original = weight.slice();
  const h = hessian.slice();
  zeroDeadColumns(original, h, rows, columns);
  const perm = resolved.actOrder ? descendingDiagonalOrder(h, columns) : undefined;
  const w = perm ? permuteColumns(original, rows, columns, perm) : original;
  const { table, beforeBlock } = planParams({
    original,
    processed: w,
    rows,
    columns,
    perm,
    config: resolved,
    name,
  });
  const { hinv, damp, dampRatio, tries } = dampedInverseFactor(
    perm ? permuteSymmetric(h, columns, perm) : h,
    columns,
    resolved.percdamp,
    name,
  );
  const range = codeRange(gptqQuantArgs(resolved));
  const { codes, loss } = quantizeColumns({
    w,
    hinv,
    rows,
    columns,
    blockSize: resolved.blockSize,
    table,
    range,
    beforeBlock,
  });
  const quantized = assemble(codes, table, [rows, columns], perm, resolved);
  return { quantized, loss, damp, dampRatio, tries, seconds: (performance.now() - started) / 1000 };
}
