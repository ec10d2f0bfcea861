import type { GptqConfig } from './config';
import { gptqQuantArgs, rowArgs } from './gptq-args';
import { columnSlice, matrixQParams, type ParamTable, setGroup } from './param-table';

export interface ParamPlan {
  table: ParamTable;
  /** Dynamic groups: computes the qparams of every group that starts in [start, end). */
  beforeBlock?: (start: number, end: number) => void;
}

interface PlanInput {
  /** The weight before the column loop, in original column order (dead columns zeroed). */
  original: Float32Array;
  /** The weight the column loop updates, in processing order. */
  processed: Float32Array;
  rows: number;
  columns: number;
  /** Act-order permutation (processed column c = original column perm[c]). */
  perm?: Int32Array;
  config: GptqConfig;
  name: string;
}

/** Per channel: one row of qparams from the whole weight, before any update. */
function channelPlan({ original, rows, columns, config, name }: PlanInput): ParamPlan {
  const { scale, zero } = matrixQParams(
    original,
    [rows, columns],
    gptqQuantArgs(config),
    config.mseSearch,
    name,
  );
  return { table: { groups: 1, scale, zero, groupOf: new Int32Array(columns) } };
}

/** Static groups: every group's qparams from the weight before any update, in original column order. */
function staticPlan(
  { original, rows, columns, perm, config, name }: PlanInput,
  groupSize: number,
): ParamPlan {
  const { scale, zero } = matrixQParams(
    original,
    [rows, columns],
    gptqQuantArgs(config),
    config.mseSearch,
    name,
  );
  const groupOf = Int32Array.from({ length: columns }, (_, c) =>
    Math.floor((perm ? perm[c] : c) / groupSize),
  );
  return { table: { groups: Math.ceil(columns / groupSize), scale, zero, groupOf } };
}

/**
 * Dynamic groups, as the reference's `find_params(W[:, c:c+groupsize])` at each group start c: the
 * min/max of the group's columns of W as the lazy batch updates of earlier blocks left them.
 */
function dynamicPlan({ processed, rows, columns, config, name }: PlanInput, groupSize: number): ParamPlan {
  const groups = Math.ceil(columns / groupSize);
  const table: ParamTable = {
    groups,
    scale: new Float32Array(rows * groups),
    zero: new Float32Array(rows * groups),
    groupOf: Int32Array.from({ length: columns }, (_, c) => Math.floor(c / groupSize)),
  };
  const args = rowArgs(config);
  const beforeBlock = (start: number, end: number) => {
    for (let group = Math.ceil(start / groupSize); group * groupSize < end; group++) {
      const [first, last] = [group * groupSize, Math.min((group + 1) * groupSize, columns)];
      const slice = columnSlice(processed, rows, columns, first, last);
      setGroup(table, group, matrixQParams(slice, [rows, last - first], args, config.mseSearch, name));
    }
  };
  return { table, beforeBlock };
}

export function planParams(input: PlanInput): ParamPlan {
  const { groupSize, staticGroups } = input.config;
  if (groupSize === 'channel') return channelPlan(input);
  return staticGroups ? staticPlan(input, groupSize) : dynamicPlan(input, groupSize);
}
