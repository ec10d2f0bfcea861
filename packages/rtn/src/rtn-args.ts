import { perChannel, perGroup, type QuantArgs, quantArgs } from '@lowbit/core-tensor';
import type { RtnConfig } from './config';

/**
 * The 2-D view RTN quantizes: an int weight as it is ([out, in]); an nf4/fp4 weight flattened to
 * [1, out·in], since bitsandbytes blocks run over the flattened tensor.
 */
export function quantizedShape(shape: [number, number], config: RtnConfig): [number, number] {
  return config.type === 'int' ? shape : [1, shape[0] * shape[1]];
}

/** Core quantization args for the view of {@link quantizedShape}: groups and blocks run along axis 1. */
export function rtnQuantArgs(config: RtnConfig): QuantArgs {
  const granularity = config.groupSize === 'channel' ? perChannel(0) : perGroup(config.groupSize, 1);
  if (config.type !== 'int') return quantArgs({ type: config.type, granularity });
  return quantArgs({ type: 'int', bits: config.bits, symmetric: config.symmetric, granularity });
}
