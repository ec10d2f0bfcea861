import { disposeQParams, initBackend, LowbitError, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { EntropyObserver } from './entropy-observer';
import { HistogramObserver } from './histogram-observer';
import { MinMaxObserver } from './min-max-observer';
import { MovingAverageMinMaxObserver } from './moving-average-min-max-observer';
import { MovingAveragePerChannelMinMaxObserver } from './moving-average-per-channel-min-max-observer';
import { MseObserver } from './mse-observer';
import { PerChannelMinMaxObserver } from './per-channel-min-max-observer';
import { PercentileObserver } from './percentile-observer';
import { createObserver, observerNames, registerObserver } from './registry';
import { BACKENDS, expectScales, observe } from './test-utils';

const BUILTINS = {
  minmax: MinMaxObserver,
  'moving-average-minmax': MovingAverageMinMaxObserver,
  'per-channel-minmax': PerChannelMinMaxObserver,
  'moving-average-per-channel-minmax': MovingAveragePerChannelMinMaxObserver,
  histogram: HistogramObserver,
  entropy: EntropyObserver,
  percentile: PercentileObserver,
  mse: MseObserver,
};

describe('observer registry', () => {
  it('lists the built-in names', () => {
    expect(observerNames().slice(0, 8)).toEqual(Object.keys(BUILTINS));
  });

  it('creates each built-in with its options', () => {
    for (const [name, type] of Object.entries(BUILTINS)) expect(createObserver(name)).toBeInstanceOf(type);
    expect(createObserver('per-channel-minmax', { axis: 1 }).args.granularity).toEqual(perChannel(1));
    expect((createObserver('percentile', { percentile: 99.9 }) as PercentileObserver).percentile).toBe(99.9);
    expect(createObserver('minmax', { args: { bits: 4 } }).args.bits).toBe(4);
  });

  it('an unknown name throws BAD_ARGS listing the valid names', () => {
    expect(() => createObserver('minmaxx')).toThrow(LowbitError);
    try {
      createObserver('minmaxx');
    } catch (e) {
      expect((e as LowbitError).code).toBe('BAD_ARGS');
      for (const name of Object.keys(BUILTINS)) expect((e as Error).message).toContain(name);
    }
  });

  it('registers a custom observer once', () => {
    registerObserver(
      'symmetric-minmax',
      (options) => new MinMaxObserver({ args: { ...options.args, symmetric: true } }),
    );
    expect(observerNames()).toContain('symmetric-minmax');
    expect(createObserver('symmetric-minmax').args.symmetric).toBe(true);
    expect(() => registerObserver('symmetric-minmax', (o) => new MinMaxObserver(o))).toThrow(
      /already registered/,
    );
    expect(() => registerObserver('', (o) => new MinMaxObserver(o))).toThrow(LowbitError);
  });
});

describe.each(BACKENDS)('registry observers on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('every built-in computes qparams of the right shape', () => {
    const x = tf.tensor([[-1, 0.5, 2]]);
    for (const name of Object.keys(BUILTINS)) {
      const observer = createObserver(name, { args: { bits: 8 } });
      observer.update(x);
      const qp = observer.compute();
      const channels = observer.args.granularity.kind === 'channel' ? [1] : [];
      expect([name, qp.scale.shape]).toEqual([name, channels]);
      disposeQParams(qp);
      observer.reset();
    }
    x.dispose();
  });

  it('minmax from the registry matches the class: scale 3/255, zp 85', () => {
    const { scale, zeroPoint } = observe(createObserver('minmax'), tf.tensor([-1, 0.5, 2]));
    expectScales(scale, [3 / 255]);
    expect(zeroPoint).toEqual([85]);
  });
});
