import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { describe, expect, it } from 'vitest';
import { qatConfig } from './config';

describe('qatConfig', () => {
  it('defaults to LSQ W4 per-channel symmetric weights and PyTorch-like quint8 activations with range learning', () => {
    const config = qatConfig();
    expect(config.weights).toMatchObject({ quantizer: 'lsq', init: 'mse', learnScale: true });
    expect(config.weights.args).toMatchObject({
      bits: 4,
      symmetric: true,
      signed: true,
      granularity: { kind: 'channel', axis: 0 },
    });
    expect(config.activations?.args).toMatchObject({
      bits: 8,
      symmetric: false,
      signed: false,
      granularity: { kind: 'tensor' },
    });
    expect(config.activations).toMatchObject({ observer: 'mse', range: 'learn' });
    expect(qatConfig({ activations: false }).activations).toBeUndefined();
  });

  it.each([0, 1, 9, 3.5, Number.NaN])('rejects weight bits %s', (bits) => {
    expectLowbitError(() => qatConfig({ weights: { bits } }), 'BAD_ARGS', /weights bits/, /from 2 to 8/);
  });

  it.each([1, 16])('rejects activation bits %s', (bits) => {
    expectLowbitError(() => qatConfig({ activations: { bits } }), 'BAD_ARGS', /activations bits/);
  });

  it('rejects unknown quantizers, inits and range modes, listing the choices', () => {
    expectLowbitError(
      () => qatConfig({ weights: { quantizer: 'pact' as 'lsq' } }),
      'BAD_ARGS',
      /lsq, dorefa, binary/,
    );
    expectLowbitError(() => qatConfig({ weights: { init: 'max' as 'mse' } }), 'BAD_ARGS', /weights.init/);
    expectLowbitError(
      () => qatConfig({ activations: { range: 'ema' as 'learn' } }),
      'BAD_ARGS',
      /learn, fixed/,
    );
  });
});
