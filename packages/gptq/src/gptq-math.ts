// GPTQ (Frantar et al., 2022) on plain matrices: the streaming Hessian and the quantization of one
// weight [out, in] given its Hessian, as the reference implementation's add_batch / fasterquant.
import { codeRange, LowbitError, QuantizedTensor, tf } from '@lowbit/core-tensor';
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

/** A streaming Hessian H = 2/n Σ xxᵀ over the n input rows seen so far. */
export interface HessianState {
  /** H [in, in]; a variable, so it survives the tf.tidy that calibration runs in. */
  readonly h: tf.Variable<tf.Rank.R2>;
  /** Rows accumulated so far (n). */
  samples: number;
}

export function createHessian(columns: number): HessianState {
  return { h: tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R2>([columns, columns]), false)), samples: 0 };
}

/** Adds the rows of x [m, in], as the reference: H *= n/(n+m); x *= √(2/(n+m)); H += xᵀx. */
export function accumulateHessian(state: HessianState, x: tf.Tensor2D): void {
  const [rows, columns] = x.shape;
  if (x.rank !== 2 || columns !== state.h.shape[0]) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Hessian input is [${x.shape}]; pass the layer inputs as [rows, ${state.h.shape[0]}].`,
    );
  }
  const samples = state.samples + rows;
  tf.tidy(() => {
    const scaled = tf.mul(x, Math.sqrt(2 / samples));
    const update = tf.matMul(tf.transpose(scaled), scaled);
    state.h.assign(tf.add(tf.mul(state.h, state.samples / samples), update));
  });
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
  const started = performance.now();
  const resolved = gptqConfig(config);
  validateInputs(weight, hessian, resolved, name);
  const [rows, columns] = weight.shape;
  const original = Float32Array.from(weight.dataSync());
  const h = Float32Array.from(hessian.dataSync());
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
