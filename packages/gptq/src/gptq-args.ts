import { perChannel, perGroup, type QuantArgs, quantArgs } from '@lowbit/core-tensor';
import type { GptqConfig } from './config';

/** Core quantization args of a GPTQ weight [out, in]: per output row, or groups along the input axis. */
export function gptqQuantArgs(config: GptqConfig): QuantArgs {
  const granularity = config.groupSize === 'channel' ? perChannel(0) : perGroup(config.groupSize, 1);
  return quantArgs({ type: 'int', bits: config.bits, symmetric: config.symmetric, granularity });
}

/** The same args per row, for the qparams of one group's columns [out, size]. */
export function rowArgs(config: GptqConfig): QuantArgs {
  return quantArgs({
    type: 'int',
    bits: config.bits,
    symmetric: config.symmetric,
    granularity: perChannel(0),
  });
}
