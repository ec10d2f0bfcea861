import {
  ArrayTarget,
  type Block,
  forwardModel,
  initBackend,
  type QuantModel,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtn } from './rtn-modifier';

function twoLayerModel(): QuantModel {
  const w1 = new ArrayTarget(
    'fc1',
    'linear',
    [16, 8],
    Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)),
  );
  const w2 = new ArrayTarget(
    'fc2',
    'linear',
    [4, 16],
    Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)),
  );
  const embedding = new ArrayTarget('embed', 'embedding', [3, 8], new Float32Array(24).fill(0.5));
  const block: Block = {
    name: 'mlp',
    targets: [w1, w2],
    mappings: [],
    forward: (x) =>
      tf.tidy(() => tf.matMul(tf.relu(tf.matMul(x, w1.weight(), false, true)), w2.weight(), false, true)),
  };
  return {
    name: 'mlp',
    task: 'classifier',
    blocks: [block],
    outerTargets: [embedding],
    embed: (x) => tf.clone(x),
    head: (x) => tf.clone(x),
  };
}

describe.each(['wasm', 'cpu'] as const)('rtn modifier on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('quantizes every block target, keeps outer targets float by default, and reports errors', () => {
    const model = twoLayerModel();
    const before = tf.memory().numTensors;
    const [report] = runRecipe(model, [rtn({ bits: 4, groupSize: 8 })]);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.targets.map((t) => t.target)).toEqual(['fc1', 'fc2']);
    for (const t of report.targets) expect(t.relativeError).toBeGreaterThan(0);
    const [fc1, fc2] = model.blocks[0].targets;
    expect(fc1.quantized?.args.bits).toBe(4);
    expect(fc2.quantized?.scale.length).toBe(4 * 2);
    expect(model.outerTargets[0].quantized).toBeUndefined();
    // The model now computes with the dequantized weights.
    const x = tf.ones([1, 8]);
    const y = forwardModel(model, x);
    const expected = tf.tidy(() =>
      tf.matMul(
        tf.relu(tf.matMul(x, fc1.quantized!.dequantize(), false, true)),
        fc2.quantized!.dequantize(),
        false,
        true,
      ),
    );
    expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([x, y, expected]);
  });

  it('quantizes the outer targets on request', () => {
    const model = twoLayerModel();
    const [report] = runRecipe(model, [rtn({ bits: 8, groupSize: 'channel', includeOuter: true })]);
    expect(report.targets.map((t) => t.target)).toEqual(['fc1', 'fc2', 'embed']);
    expect(model.outerTargets[0].quantized?.args.bits).toBe(8);
  });
});
