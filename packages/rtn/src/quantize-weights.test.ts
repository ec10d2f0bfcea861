import { initBackend, type ProgressEvent, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtnQuantizeWeights } from './quantize-weights';
import { BACKENDS, expectLowbitError } from './test-helpers';

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  function makeWeights(): Record<string, tf.Tensor2D> {
    return {
      'layers.0.q_proj': tf.randomNormal([16, 64], 0, 1, 'float32', 1) as tf.Tensor2D,
      'layers.0.k_proj': tf.randomNormal([8, 64], 0, 1, 'float32', 2) as tf.Tensor2D,
      'layers.0.mlp': tf.randomNormal([24, 48], 0, 1, 'float32', 3) as tf.Tensor2D,
    };
  }

  it('quantizes a record of weights, reporting progress per weight without leaking tensors', () => {
    const weights = makeWeights();
    const before = tf.memory().numTensors;
    const events: ProgressEvent[] = [];
    const results = rtnQuantizeWeights(
      weights,
      { bits: 4, groupSize: 16 },
      { onProgress: (e) => events.push(e) },
    );
    expect(tf.memory().numTensors).toBe(before);
    const names = Object.keys(weights);
    expect(Object.keys(results)).toEqual(names);
    expect(events).toEqual(names.map((note, i) => ({ stage: 'rtn', done: i + 1, total: 3, note })));
    for (const name of names) {
      expect(results[name].name).toBe(name);
      expect(results[name].shape).toEqual(weights[name].shape);
      expect(results[name].relativeError).toBeGreaterThan(0);
      expect(results[name].relativeError).toBeLessThan(0.15);
    }
    tf.dispose(Object.values(weights));
  });

  it('accepts a Map (any iterable of [name, weight]) and matches one-by-one results', () => {
    const weights = makeWeights();
    const fromRecord = rtnQuantizeWeights(weights, { type: 'nf4', doubleQuant: true });
    const fromMap = rtnQuantizeWeights(new Map(Object.entries(weights)), { type: 'nf4', doubleQuant: true });
    for (const name of Object.keys(weights)) {
      expect(fromMap[name].quantized.codes).toEqual(fromRecord[name].quantized.codes);
      expect(fromMap[name].doubleQuant).toEqual(fromRecord[name].doubleQuant);
    }
    tf.dispose(Object.values(weights));
  });

  it('rejects duplicate names and bad configs before quantizing anything', () => {
    const weight = tf.zeros([2, 4]) as tf.Tensor2D;
    const events: ProgressEvent[] = [];
    const onProgress = (e: ProgressEvent) => events.push(e);
    const pairs: [string, tf.Tensor2D][] = [
      ['w', weight],
      ['w', weight],
    ];
    expectLowbitError(
      () => rtnQuantizeWeights(pairs, { groupSize: 2 }, { onProgress }),
      'BAD_ARGS',
      /"w" appears twice/,
    );
    expectLowbitError(
      () => rtnQuantizeWeights({ w: weight }, { bits: 1 }, { onProgress }),
      'BAD_ARGS',
      /2 to 8/,
    );
    expect(events).toEqual([]);
    weight.dispose();
  });

  it('names the failing weight of a batch', () => {
    const good = tf.ones([2, 4]) as tf.Tensor2D;
    const bad = tf.tensor2d([[1, Number.NaN, 0, 0]]);
    expectLowbitError(
      () => rtnQuantizeWeights({ good, 'blocks.3.fc2': bad }, { groupSize: 4 }),
      'BAD_TENSOR',
      /"blocks\.3\.fc2"/,
    );
    tf.dispose([good, bad]);
  });
});
