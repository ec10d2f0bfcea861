import { captureInputs, initBackend, type QuantTarget, stagedForward, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomLlama, smallConfig } from './test-support/random-llama';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const ids = () => tf.tensor2d([[1, 5, 9, 2, 7, 3, 30, 12]], [1, 8], 'int32');

/** Halves a target's weight, as a technique quantizing it between stages would change it. */
function halve(target: QuantTarget): void {
  const halved = tf.tidy(() => tf.mul(target.weight(), 0.5));
  target.setWeight(halved);
  halved.dispose();
}

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('a decoder layer in stages', () => {
  it('applies each group with the weights it has when its stage runs, and computes each stage once', () => {
    const model = randomLlama(smallConfig());
    const [block] = model.blocks;
    const batch = ids();
    const x = model.embed(batch);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const pass = stagedForward(block, x);
    pass.advance(new Set(['layers.0.attention.wq']), (name) => {
      seen.push(name);
    });
    for (const name of ['wq', 'wk', 'wv'] as const) halve(block.linears[name]);
    let woInput: tf.Tensor | undefined;
    pass.advance(new Set(['layers.0.attention.wo']), (name, input) => {
      seen.push(name);
      woInput = tf.keep(input.clone());
    });
    halve(block.linears.wo);
    const staged = pass.finish();
    // The stages ran once each, up to the group asked for, and never showed an input twice.
    expect(seen).toEqual([
      'layers.0.attention.wq',
      'layers.0.attention.wk',
      'layers.0.attention.wv',
      'layers.0.attention.wo',
    ]);
    // A full forward with the final weights gives the same output and the same input of wo.
    let expectedWoInput: tf.Tensor | undefined;
    const expected = block.forward(x, (name, input) => {
      if (name === 'layers.0.attention.wo') expectedWoInput = tf.keep(input.clone());
    });
    expect(maxDifference(staged, expected)).toBeLessThan(1e-6);
    expect(maxDifference(woInput!, expectedWoInput!)).toBeLessThan(1e-6);
    tf.dispose([staged, expected, woInput!, expectedWoInput!]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, batch]);
  });

  it('stops at the last input asked for, and frees a pass that is not finished', () => {
    const model = randomLlama(smallConfig({ nKvHeads: 2 }));
    const [block] = model.blocks;
    const batch = ids();
    const x = model.embed(batch);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    captureInputs(block, x, new Set(['layers.0.feed_forward.w1']), (name) => {
      seen.push(name);
    });
    expect(seen.at(-1)).toBe('layers.0.feed_forward.w3');
    expect(seen).not.toContain('layers.0.feed_forward.w2');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, batch]);
  });
});
