import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, mulberry32, type QuantModel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../text/test-support/expect-error';
import { saveLlama2c } from './llama2c';
import { logitsOf, relativeDifference } from './test-support/logits';
import { randomLlama, smallConfig } from './test-support/random-llama';
import { readLlama2cReference, referenceLogits } from './test-support/reference-llama';

const IDS = [
  [1, 5, 9, 2, 7, 3, 30, 12],
  [1, 8, 8, 6, 0, 4, 39, 21],
];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Multiplies input column j of `name` by s[j]. */
function scaleInputs(model: QuantModel, name: string, s: Float32Array): void {
  const target = model.blocks.flatMap((b) => b.targets).find((t) => t.name === name)!;
  const scaled = tf.tidy(() => tf.mul(target.weight(), tf.tensor1d(s)));
  target.setWeight(scaled);
  scaled.dispose();
}

describe('LlamaBlock', () => {
  it('shows each target its input [B, T, in] in execution order', () => {
    const model = randomLlama(smallConfig({ nKvHeads: 2 }));
    const seen: string[] = [];
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = model.embed(tf.tensor2d(IDS, undefined, 'int32'));
      model.blocks[1].forward(x, (name, input) => {
        seen.push(`${name} [${input.shape}]`);
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([
      'layers.1.attention.wq [2,8,16]',
      'layers.1.attention.wk [2,8,16]',
      'layers.1.attention.wv [2,8,16]',
      'layers.1.attention.wo [2,8,16]',
      'layers.1.feed_forward.w1 [2,8,16]',
      'layers.1.feed_forward.w3 [2,8,16]',
      'layers.1.feed_forward.w2 [2,8,24]',
    ]);
  });

  it('uses the inputs capture returns: zeroing every linear input leaves only the residual', () => {
    const model = randomLlama(smallConfig({ nKvHeads: 2 }));
    const [x, y] = tf.tidy(() => {
      const input = model.embed(tf.tensor2d(IDS, undefined, 'int32'));
      const output = model.blocks[0].forward(input, (_name, value) => tf.zerosLike(value));
      return [input.dataSync(), output.dataSync()];
    });
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  it('maps norms and producers to their consumers; wv → wo only without grouped-query attention', () => {
    const describeMappings = (model: QuantModel) =>
      model.blocks[0].mappings.map((m) => `${m.smooth} → ${m.balance.join(', ')}`);
    expect(describeMappings(randomLlama(smallConfig()))).toEqual([
      'layers.0.attention_norm → layers.0.attention.wq, layers.0.attention.wk, layers.0.attention.wv',
      'layers.0.attention.wv → layers.0.attention.wo',
      'layers.0.ffn_norm → layers.0.feed_forward.w1, layers.0.feed_forward.w3',
      'layers.0.feed_forward.w3 → layers.0.feed_forward.w2',
    ]);
    expect(describeMappings(randomLlama(smallConfig({ nKvHeads: 2 })))).not.toContain(
      'layers.0.attention.wv → layers.0.attention.wo',
    );
  });

  it('each mapping, with its balance inputs scaled back, leaves the logits unchanged', () => {
    const model = randomLlama(smallConfig());
    const expected = logitsOf(model, IDS);
    const random = mulberry32(5);
    for (const block of model.blocks) {
      for (const mapping of block.mappings) {
        const target = block.targets.find((t) => t.name === mapping.balance[0])!;
        const s = Float32Array.from({ length: target.shape[1] }, () => 0.5 + 1.5 * random());
        mapping.divideOutput(s);
        for (const name of mapping.balance) scaleInputs(model, name, s);
      }
    }
    const after = logitsOf(model, IDS);
    expect(relativeDifference(after, expected)).toBeLessThan(1e-5);
    expect(after).not.toEqual(expected);
  });

  it('rejects scales of the wrong length or zero', () => {
    const [norm, producer] = randomLlama(smallConfig()).blocks[0].mappings;
    expectError(
      () => norm.divideOutput(new Float32Array(3).fill(1)),
      'BAD_ARGS',
      /3 scales for 16 output channels/,
    );
    expectError(() => producer.divideOutput(new Float32Array(16)), 'BAD_ARGS', /finite and non-zero/);
  });

  it('rejects inputs that are not [B, T, dim]', () => {
    const block = randomLlama(smallConfig()).blocks[0];
    const x = tf.zeros([2, 3, 5]);
    expectError(() => block.forward(x), 'BAD_TENSOR', /\[2,3,5\]; expected \[batch, tokens ≤ 32, 16\]/);
    x.dispose();
  });

  it('an untied grouped-query model matches the float64 reference forward pass', () => {
    const model = randomLlama(smallConfig({ nHeads: 4, nKvHeads: 1 }), 9);
    const dir = mkdtempSync(join(tmpdir(), 'lowbit-block-'));
    const path = join(dir, 'random.bin');
    saveLlama2c(model, path);
    const reference = referenceLogits(readLlama2cReference(path), IDS[0]);
    rmSync(dir, { recursive: true, force: true });
    const logits = logitsOf(model, [IDS[0]]);
    expect(
      relativeDifference(
        logits,
        reference.flatMap((row) => Array.from(row)),
      ),
    ).toBeLessThan(1e-5);
  });
});
