import { codeRange } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { describe, expect, it } from 'vitest';
import { staticQuantConfig } from './config';
import { staticQuantPreset, W4A4, W8A8 } from './presets';
import { staticQuant } from './static-quant-modifier';

describe('staticQuantConfig', () => {
  it('defaults to W8A8: int8 per-channel symmetric weights, uint8 per-tensor asymmetric activations, minmax', () => {
    const config = staticQuantConfig();
    if (!config.weights || !config.activations) throw new Error('both sides expected');
    expect(config.weights.args).toMatchObject({
      bits: 8,
      symmetric: true,
      signed: true,
      granularity: { kind: 'channel', axis: 0 },
    });
    expect(config.activations.args).toMatchObject({
      bits: 8,
      symmetric: false,
      signed: false,
      granularity: { kind: 'tensor' },
    });
    expect([config.weights.observer, config.activations.observer]).toEqual(['minmax', 'minmax']);
    expect(staticQuantConfig(W8A8)).toEqual(config);
  });

  it('W4A4 gives signed 4-bit per-channel weight codes [-8, 7] and unsigned 4-bit activation codes [0, 15]', () => {
    const config = staticQuantConfig(W4A4);
    if (!config.weights || !config.activations) throw new Error('both sides expected');
    expect(config.weights.args).toMatchObject({
      bits: 4,
      symmetric: true,
      granularity: { kind: 'channel', axis: 0 },
    });
    expect(codeRange(config.weights.args)).toEqual({ min: -8, max: 7 });
    expect(config.activations.args).toMatchObject({
      bits: 4,
      symmetric: false,
      granularity: { kind: 'tensor' },
    });
    expect(codeRange(config.activations.args)).toEqual({ min: 0, max: 15 });
    expect(staticQuantConfig(staticQuantPreset('W4A4'))).toEqual(config);
  });

  it('merges preset overrides side by side, and per-tensor weights on request', () => {
    const options = staticQuantPreset('W4A8', {
      weights: { granularity: 'tensor' },
      activations: { observer: 'histogram' },
    });
    expect(options).toEqual({
      weights: { bits: 4, granularity: 'tensor', symmetric: true },
      activations: { bits: 8, symmetric: false, observer: 'histogram' },
    });
    const config = staticQuantConfig(options);
    expect(config.weights ? config.weights.args.granularity.kind : undefined).toBe('tensor');
    expect(staticQuantPreset('W8A8', { weights: false }).weights).toBe(false);
  });

  it.each([0, 9, 2.5])('rejects weight and activation bits %s', (bits) => {
    expectLowbitError(
      () => staticQuantConfig({ weights: { bits } }),
      'BAD_ARGS',
      /staticQuant weights: bits is/,
      /from 1 to 8/,
    );
    expectLowbitError(
      () => staticQuant({ activations: { bits } }),
      'BAD_ARGS',
      /staticQuant activations: bits is/,
    );
  });

  it('rejects an unknown observer name, listing the valid ones', () => {
    expectLowbitError(
      () => staticQuant({ activations: { observer: 'minimax' } }),
      'BAD_ARGS',
      /activations\.observer "minimax" is unknown/,
      /minmax, .*histogram, entropy, percentile, mse/,
    );
    expectLowbitError(
      () => staticQuant({ weights: { observer: 'kl' } }),
      'BAD_ARGS',
      /weights\.observer "kl"/,
    );
  });

  it('rejects a per-tensor-only observer for per-channel weights, and bad observer options', () => {
    expectLowbitError(
      () => staticQuant({ weights: { observer: 'histogram' } }),
      'BAD_ARGS',
      /per-tensor granularity only/,
    );
    expectLowbitError(
      () => staticQuant({ activations: { observer: 'histogram', observerOptions: { bins: 0 } } }),
      'BAD_ARGS',
      /bins is 0/,
    );
  });

  it('rejects unknown options, granularities and presets, and an all-off configuration', () => {
    expectLowbitError(
      () => staticQuant({ weights: { granularity: 'group' as 'tensor' } }),
      'BAD_ARGS',
      /granularity "group" is unknown; use 'channel' or 'tensor'/,
    );
    expectLowbitError(
      () => staticQuant({ weights: { bit: 4 } as object }),
      'BAD_ARGS',
      /unknown option "bit"/,
    );
    expectLowbitError(
      () => staticQuant('W2A2' as 'W8A8'),
      'BAD_ARGS',
      /preset "W2A2"; use one of W8A8, W4A8, W4A4/,
    );
    expectLowbitError(
      () => staticQuant({ weights: false, activations: false }),
      'BAD_ARGS',
      /enable at least one/,
    );
  });
});
