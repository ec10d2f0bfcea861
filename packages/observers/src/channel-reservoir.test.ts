import { describe, expect, it } from 'vitest';
import { ChannelReservoir } from './channel-reservoir';

describe('ChannelReservoir', () => {
  it('keeps every value, in order, while under capacity', () => {
    const reservoir = new ChannelReservoir(10, 0);
    // Inner run 1, two channels: channel of index i is i mod 2.
    reservoir.add([1, 2, 3, 4, 5, 6], 2, 1);
    expect(reservoir.isSampled).toBe(false);
    expect(Array.from(reservoir.rows())).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('channel runs: inner 2 groups pairs', () => {
    const reservoir = new ChannelReservoir(10, 0);
    reservoir.add([1, 2, 3, 4, 5, 6, 7, 8], 2, 2);
    expect(Array.from(reservoir.rows())).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
  });

  it('several updates equal one when under capacity', () => {
    const split = new ChannelReservoir(100, 0);
    split.add([1, 2, 3], 1, 3);
    split.add([4, 5], 1, 2);
    const whole = new ChannelReservoir(100, 0);
    whole.add([1, 2, 3, 4, 5], 1, 5);
    expect(Array.from(split.rows())).toEqual(Array.from(whole.rows()));
  });

  it('bounds the sample and keeps it uniform; the exact extremes survive', () => {
    const reservoir = new ChannelReservoir(1000, 7);
    for (let batch = 0; batch < 10; batch++) {
      reservoir.add(
        Array.from({ length: 10_000 }, (_, i) => batch * 10_000 + i),
        1,
        10_000,
      );
    }
    const rows = reservoir.rows();
    expect(reservoir.isSampled).toBe(true);
    expect(rows).toHaveLength(1002);
    expect([rows[1000], rows[1001]]).toEqual([0, 99_999]);
    // Uniform on 0…99999: mean 50000, standard error 28868/√1000 ≈ 913.
    const mean = rows.subarray(0, 1000).reduce((a, b) => a + b, 0) / 1000;
    expect(Math.abs(mean - 50_000)).toBeLessThan(4 * 913);
  });

  it('reset restarts the seeded sampler', () => {
    const reservoir = new ChannelReservoir(5, 3);
    const data = Array.from({ length: 100 }, (_, i) => i);
    reservoir.add(data, 1, 100);
    const first = Array.from(reservoir.rows());
    reservoir.reset();
    expect(reservoir.isEmpty).toBe(true);
    reservoir.add(data, 1, 100);
    expect(Array.from(reservoir.rows())).toEqual(first);
  });
});
