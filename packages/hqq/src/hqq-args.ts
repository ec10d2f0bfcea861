import { perGroup, type QuantArgs, quantArgs } from '@lowbit/core-tensor';
import type { HqqConfig } from './config';

/**
 * Core quantization args of an HQQ weight: unsigned codes [0, 2^bits − 1] with a real-valued zero
 * point, q = round(w/s + z), ŵ = (q − z)·s, in groups along the configured axis of [out, in].
 * HQQ's reference stores 1/s as its "scale" and quantizes as round(w·(1/s) + z): the zero point is
 * the same number in both conventions.
 */
export function hqqQuantArgs(config: HqqConfig): QuantArgs {
  return quantArgs({
    type: 'int',
    bits: config.bits,
    symmetric: false,
    signed: false,
    zeroPointDomain: 'float',
    granularity: perGroup(config.groupSize, config.axis),
  });
}
