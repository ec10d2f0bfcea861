import {
  LowbitError,
  perChannel,
  perGroup,
  type QuantArgs,
  type QuantTarget,
  quantArgs,
} from '@lowbit/core-tensor';
import type { AwqConfig } from './config';

/** The quantization AWQ prepares for, as core args of a weight [out, in]: per row or groups along the input axis. */
export function awqQuantArgs(config: AwqConfig): QuantArgs {
  const granularity = config.groupSize === 'channel' ? perChannel(0) : perGroup(config.groupSize, 1);
  return quantArgs({ type: 'int', bits: config.bits, symmetric: config.symmetric, granularity });
}

/** Throws BAD_ARGS naming the target when a group is wider than its input dimension. */
export function checkGroupFits(target: QuantTarget, config: AwqConfig): void {
  const columns = target.shape[1];
  if (config.groupSize !== 'channel' && config.groupSize > columns) {
    throw new LowbitError(
      'BAD_ARGS',
      `groupSize ${config.groupSize} is larger than the input dimension of "${target.name}" (${columns}); use groupSize ≤ ${columns} or 'channel'.`,
    );
  }
}
