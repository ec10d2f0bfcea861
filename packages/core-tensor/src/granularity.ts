import { LowbitError } from './errors';

/**
 * How quantization parameters are shared across a tensor.
 * - `tensor`: one scale/zero point for everything.
 * - `channel`: one per index along `axis` (ONNX per-axis; axis 0 of a [out, in] weight = per output channel).
 * - `group`: one per block of `size` consecutive elements along `axis`, separately for every index of
 *   the other axes (ONNX blocked quantization). The last block may be shorter ("ragged").
 */
export type Granularity =
  | { kind: 'tensor' }
  | { kind: 'channel'; axis: number }
  | { kind: 'group'; axis: number; size: number };

export const perTensor = (): Granularity => ({ kind: 'tensor' });
export const perChannel = (axis = 0): Granularity => ({ kind: 'channel', axis });
export const perGroup = (size: number, axis = -1): Granularity => ({ kind: 'group', axis, size });

/**
 * A tensor of `shape` seen as [outer, length, inner] around the granularity's axis, with the
 * number of parameter groups along that axis. Parameters are stored in `paramShape`:
 * [] for tensor, [length] for channel, and `shape` with the axis replaced by `groups` for group.
 */
export interface GroupLayout {
  outer: number;
  length: number;
  inner: number;
  groups: number;
  groupSize: number;
  paramShape: number[];
}

export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new LowbitError(
      'BAD_ARGS',
      `${what} ${axis} is out of range for a rank-${rank} tensor; use an integer in [${-rank}, ${rank - 1}].`,
    );
  }
  return a;
}

export function groupLayout(shape: number[], granularity: Granularity): GroupLayout {
  const size = shape.reduce((a, b) => a * b, 1);
  if (granularity.kind === 'tensor') {
    return { outer: 1, length: size, inner: 1, groups: 1, groupSize: size, paramShape: [] };
  }
  const axis = normalizeAxis(granularity.axis, shape.length, `${granularity.kind} axis`);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const length = shape[axis];
  if (granularity.kind === 'channel') {
    return { outer, length, inner, groups: length, groupSize: 1, paramShape: [length] };
  }
  validateGroupSize(granularity.size, length);
  const groups = Math.ceil(length / granularity.size);
  const paramShape = shape.slice();
  paramShape[axis] = groups;
  return { outer, length, inner, groups, groupSize: granularity.size, paramShape };
}

function validateGroupSize(groupSize: number, length: number): void {
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new LowbitError(
      'BAD_ARGS',
      `Group size ${groupSize} is invalid; use a positive integer such as 32, 64 or 128, or per-channel granularity.`,
    );
  }
  if (groupSize > length) {
    throw new LowbitError(
      'BAD_ARGS',
      `Group size ${groupSize} is larger than the quantized dimension (${length}); use a group size ≤ ${length} or per-channel granularity.`,
    );
  }
}

export function describeGranularity(g: Granularity): string {
  if (g.kind === 'tensor') return 'per-tensor';
  if (g.kind === 'channel') return `per-channel(axis ${g.axis})`;
  return `group ${g.size} (axis ${g.axis})`;
}
