import { LowbitError, nonFiniteCount, type tf } from '@lowbit/core-tensor';
import { accumulateHessianRows, createHessian, type HessianState } from './gptq-math';

/** Captured rows are gathered to at least this many before one XᵀX: the engine is faster on tall X. */
const ROWS_PER_PRODUCT = 2048;

function assertFiniteInput(block: string, target: string, values: Float32Array): void {
  const nonFinite = nonFiniteCount(values);
  if (nonFinite > 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Block "${block}", layer "${target}": its calibration input has ${nonFinite} NaN or Inf value(s); ` +
        'check the calibration batches and the layers before it (an overflow upstream?).',
      { block, target, nonFinite },
    );
  }
}

interface Accumulator {
  state: HessianState;
  /** Rows read but not yet added to H. */
  pending: Float32Array[];
  pendingRows: number;
}

/** Adds the pending rows to H as one product. */
function flush(accumulator: Accumulator): void {
  const { state, pending, pendingRows } = accumulator;
  if (pendingRows === 0) return;
  const rows = new Float32Array(pendingRows * state.columns);
  let offset = 0;
  for (const part of pending) {
    rows.set(part, offset);
    offset += part.length;
  }
  accumulateHessianRows(state, rows, pendingRows);
  accumulator.pending = [];
  accumulator.pendingRows = 0;
}

/**
 * The Hessians of a group of targets, accumulated from captured inputs. Targets fed the same
 * input tensor (q/k/v, gate/up) share one Hessian, accumulated once.
 */
export class HessianStore {
  private readonly byTarget = new Map<string, Accumulator>();
  /** The id of the input tensor each Hessian took last. */
  private readonly lastInput = new Map<Accumulator, number>();

  /** Adds a captured input [..., in] of `target`; throws BAD_TENSOR naming block and layer on NaN/Inf. */
  add(block: string, target: string, input: tf.Tensor): void {
    let accumulator = this.byTarget.get(target);
    if (!accumulator) {
      const columns = input.shape[input.rank - 1];
      accumulator = this.sharingInput(input) ?? {
        state: createHessian(columns),
        pending: [],
        pendingRows: 0,
      };
      this.byTarget.set(target, accumulator);
    }
    if (this.lastInput.get(accumulator) === input.id) return;
    const values = input.dataSync() as Float32Array;
    assertFiniteInput(block, target, values);
    accumulator.pending.push(values);
    accumulator.pendingRows += values.length / accumulator.state.columns;
    if (accumulator.pendingRows >= ROWS_PER_PRODUCT) flush(accumulator);
    this.lastInput.set(accumulator, input.id);
  }

  /** The Hessian of `target`; NOT_READY when no calibration input reached it. */
  get(block: string, target: string): HessianState {
    const accumulator = this.byTarget.get(target);
    if (!accumulator) {
      throw new LowbitError(
        'NOT_READY',
        `GPTQ saw no calibration input for layer "${target}" of block "${block}"; pass calibration batches to runRecipe (options.calibration, e.g. from sampleCalibration).`,
      );
    }
    flush(accumulator);
    return accumulator.state;
  }

  /** Drops every Hessian. */
  clear(): void {
    this.byTarget.clear();
    this.lastInput.clear();
  }

  private sharingInput(input: tf.Tensor): Accumulator | undefined {
    for (const [accumulator, id] of this.lastInput) if (id === input.id) return accumulator;
    return undefined;
  }
}
