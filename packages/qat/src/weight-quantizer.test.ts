import { ArrayTarget, initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { qatConfig, type WeightQatOptions } from './config';
import { createWeightQuantizer } from './weight-quantizer';

const W = [
  [0.5, -0.25, 0.1, -0.9],
  [0.02, 0.04, -0.08, 0.01],
];

describe.each(TEST_BACKENDS)('%s', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  function withQuantizer<T>(
    options: WeightQatOptions,
    run: (q: ReturnType<typeof createWeightQuantizer>) => T,
  ): T {
    const target = new ArrayTarget('fc', 'linear', [2, 4], Float32Array.from(W.flat()));
    const initial = target.weight();
    const q = createWeightQuantizer(target, initial, qatConfig({ weights: options }).weights);
    initial.dispose();
    try {
      return run(q);
    } finally {
      q.dispose();
    }
  }

  const fakeValues = (q: ReturnType<typeof createWeightQuantizer>) =>
    tf.tidy(() => Array.from(q.fakeQuantized().dataSync()));

  it("initialises LSQ step sizes as the paper's 2·mean|w|/√Q_p per channel", () => {
    withQuantizer({ bits: 4, init: 'lsq' }, (q) => {
      const scale = Array.from(q.quantizerVariables[0].dataSync());
      const expected = W.map((row) => (2 * row.reduce((s, v) => s + Math.abs(v), 0)) / 4 / Math.sqrt(7));
      expect(scale[0]).toBeCloseTo(expected[0], 6);
      expect(scale[1]).toBeCloseTo(expected[1], 6);
    });
  });

  it('initialises min-max step sizes as absmax / 7.5 (torch symmetric qint4) and quantizes with them', () => {
    withQuantizer({ bits: 4, init: 'minmax' }, (q) => {
      const scale = Array.from(q.quantizerVariables[0].dataSync());
      expect(scale[0]).toBeCloseTo(0.9 / 7.5, 6);
      expect(scale[1]).toBeCloseTo(0.08 / 7.5, 6);
      // Hand-worked row 0: w/s = [4.17, -2.08, 0.83, -7.5] → codes [4, -2, 1, -8] (−7.5 rounds to even −8).
      const values = fakeValues(q);
      [4, -2, 1, -8].forEach((c, i) => {
        expect(values[i]).toBeCloseTo(c * scale[0], 6);
      });
      const codes = q.toQuantized().codes;
      expect(Array.from(codes.slice(0, 4))).toEqual([4, -2, 1, -8]);
    });
  });

  it.each<WeightQatOptions>([
    { bits: 4 },
    { bits: 3, init: 'lsq' },
    { quantizer: 'dorefa', bits: 3 },
    { quantizer: 'binary' },
  ])('toQuantized() dequantizes to the fake-quantized weight (%o)', (options) => {
    withQuantizer(options, (q) => {
      const quantized = q.toQuantized();
      const dequantized = tf.tidy(() => Array.from(quantized.dequantize().dataSync()));
      fakeValues(q).forEach((v, i) => {
        expect(dequantized[i]).toBeCloseTo(v, 6);
      });
    });
  });

  it('binary weights are α·sign(w) with α = mean|w| per output channel', () => {
    withQuantizer({ quantizer: 'binary' }, (q) => {
      const alpha = W.map((row) => row.reduce((s, v) => s + Math.abs(v), 0) / 4);
      const expected = W.flatMap((row, r) => row.map((v) => (v >= 0 ? alpha[r] : -alpha[r])));
      fakeValues(q).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i], 6);
      });
    });
  });

  it('DoReFa weights take 2^k levels spread evenly over [−max|w|, max|w|]', () => {
    withQuantizer({ quantizer: 'dorefa', bits: 2 }, (q) => {
      const values = fakeValues(q);
      const levels = [-0.9, -0.3, 0.3, 0.9];
      for (const v of values) expect(levels.some((l) => Math.abs(l - v) < 1e-5)).toBe(true);
      expect(values[3]).toBeCloseTo(-0.9, 5);
    });
  });
});
