import { LowbitError, perChannel, type QuantArgs, type QuantArgsInput, quantArgs } from '@lowbit/core-tensor';

/** W8: int8 weights [out, in], one symmetric scale per output channel (PyTorch's qint8 per_channel_symmetric). */
export const WEIGHT_ARGS: QuantArgs = quantArgs({ bits: 8, symmetric: true, granularity: perChannel(0) });

/**
 * Dynamic A8: uint8 codes, one asymmetric min/max range per token, i.e. per row of the input's
 * [tokens, in] view (PyTorch's dynamic quantization with per-token qparams).
 */
export const PER_TOKEN_ARGS: QuantArgs = quantArgs({ bits: 8, symmetric: false, granularity: perChannel(0) });

/** Static A8 default: one symmetric int8 scale per tensor, as SmoothQuant's W8A8 (zero point 0). */
const STATIC_ACTIVATION_DEFAULTS: QuantArgsInput = { bits: 8, symmetric: true };

/** Validated static activation args: `input` over the defaults; per-tensor uniform integers only. */
export function staticActivationArgs(input: QuantArgsInput = {}, where: string): QuantArgs {
  const args = quantArgs({ ...STATIC_ACTIVATION_DEFAULTS, ...input });
  if (args.granularity.kind !== 'tensor' || args.type !== 'int') {
    throw new LowbitError(
      'BAD_ARGS',
      `${where}: activationArgs must describe per-tensor integer quantization; drop granularity and type.`,
    );
  }
  return args;
}
