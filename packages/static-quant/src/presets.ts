import { LowbitError } from '@lowbit/core-tensor';
import type { StaticQuantOptions } from './config';

/** int8 per-channel symmetric weights, uint8 per-tensor asymmetric activations (PyTorch's default static config). */
export const W8A8: StaticQuantOptions = Object.freeze({
  weights: Object.freeze({ bits: 8, granularity: 'channel' as const, symmetric: true }),
  activations: Object.freeze({ bits: 8, symmetric: false }),
});

/** int4 per-channel symmetric weights, uint8 activations. */
export const W4A8: StaticQuantOptions = Object.freeze({
  weights: Object.freeze({ bits: 4, granularity: 'channel' as const, symmetric: true }),
  activations: Object.freeze({ bits: 8, symmetric: false }),
});

/** int4 per-channel symmetric weights, uint4 activations. */
export const W4A4: StaticQuantOptions = Object.freeze({
  weights: Object.freeze({ bits: 4, granularity: 'channel' as const, symmetric: true }),
  activations: Object.freeze({ bits: 4, symmetric: false }),
});

export const STATIC_QUANT_PRESETS = Object.freeze({ W8A8, W4A8, W4A4 });

export type StaticQuantPresetName = keyof typeof STATIC_QUANT_PRESETS;

/**
 * A preset's options with the observers (and other fields) of `overrides` merged into each side,
 * e.g. staticQuantPreset('W8A8', { activations: { observer: 'histogram' } }).
 */
export function staticQuantPreset(
  name: StaticQuantPresetName,
  overrides: StaticQuantOptions = {},
): StaticQuantOptions {
  const preset = STATIC_QUANT_PRESETS[name];
  if (!preset) {
    throw new LowbitError(
      'BAD_ARGS',
      `Unknown staticQuant preset "${name}"; use one of ${Object.keys(STATIC_QUANT_PRESETS).join(', ')}.`,
    );
  }
  const merge = <T extends object>(base: T | false | undefined, extra: T | false | undefined) =>
    extra === false ? false : { ...(base || {}), ...(extra || {}) };
  return {
    weights: merge(preset.weights, overrides.weights),
    activations: merge(preset.activations, overrides.activations),
  };
}
