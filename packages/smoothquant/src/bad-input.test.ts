import {
  initBackend,
  type Modifier,
  type QuantArgsInput,
  type QuantModel,
  runRecipe,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { rtn } from '@lowbit/rtn';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SmoothQuantOptions, smoothQuantConfig } from './config';
import { smoothquant } from './smoothquant-modifier';
import { expectLowbitError, toyModel } from './test-support/test-helpers';
import { w8a8Static } from './w8a8-static';

const W = [
  [0.5, -1],
  [2, 0.25],
];

/**
 * The pipeline's steps for a one-block model, called directly: runRecipe does not release its
 * calibration activations when a modifier throws, which would hide this package's own leaks.
 */
function applyToBlock(modifier: Modifier, model: QuantModel, inputs: tf.Tensor[]): void {
  const [block] = model.blocks;
  modifier.initialize?.(model);
  for (const x of inputs) {
    tf.tidy(() => {
      block.forward(x, (target, input) => {
        modifier.observe?.(block, target, input);
      });
    });
  }
  modifier.applyBlock(block, { model, blockIndex: 0, inputs });
}

describe.each(TEST_BACKENDS)('bad input on %s', (backend) => {
  let baseline = 0;
  let calibration: tf.Tensor[] = [];
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
    calibration = [tf.tensor2d([[1, -3]])];
  });
  afterEach(() => {
    tf.dispose(calibration);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it.each<[SmoothQuantOptions, RegExp]>([
    [{ alpha: -0.1 }, /alpha is -0.1; use a number in \[0, 1\]/],
    [{ alpha: 1.5 }, /alpha is 1.5/],
    [{ alpha: Number.NaN }, /alpha is NaN/],
    [{ alpha: 'fast' as 'auto' }, /or 'auto'/],
    [
      { includeLinearMappings: 'yes' as unknown as boolean },
      /includeLinearMappings is yes; use true or false/,
    ],
    [{ activationArgs: { granularity: { kind: 'channel', axis: 0 } } }, /per-tensor integer/],
    [{ activationArgs: { bits: 9 } }, /bits is 9/],
  ])('smoothquant rejects %o', (options, pattern) => {
    expectLowbitError(() => smoothQuantConfig(options), 'BAD_ARGS', pattern);
    expectLowbitError(() => smoothquant(options), 'BAD_ARGS', pattern);
  });

  it.each<[{ observer?: string; activationArgs?: QuantArgsInput }, RegExp]>([
    [{ observer: 'nope' }, /Unknown observer "nope"; use one of minmax/],
    [{ activationArgs: { type: 'fp8-e4m3' } }, /per-tensor integer/],
    [{ observer: 'histogram', activationArgs: { bits: 0 } }, /bits is 0/],
  ])('w8a8Static rejects %o', (options, pattern) => {
    expectLowbitError(() => w8a8Static(options), 'BAD_ARGS', pattern);
  });

  it('needs calibration batches, and has no plan before it ran', () => {
    expectLowbitError(() => runRecipe(toyModel([1, 1], W), [smoothquant()]), 'NOT_READY', /calibration/);
    expectLowbitError(() => runRecipe(toyModel([1, 1], W), [w8a8Static()]), 'NOT_READY', /calibration/);
    expectLowbitError(() => w8a8Static().plan(), 'NOT_READY', /run it with runRecipe/);
  });

  it('refuses to smooth weights that are already quantized', () => {
    const model = toyModel([1, 1], W);
    runRecipe(model, [rtn({ bits: 4, groupSize: 'channel' })]);
    expectLowbitError(
      () => applyToBlock(smoothquant(), model, calibration),
      'BAD_ARGS',
      /"fc" is already quantized; put smoothquant before weight quantization/,
    );
  });

  it('rejects NaN calibration inputs, naming the layer', () => {
    const bad = tf.tensor2d([[1, Number.NaN]]);
    expectLowbitError(
      () => applyToBlock(smoothquant(), toyModel([1, 1], W), [bad]),
      'BAD_TENSOR',
      /fc: a calibration input holds NaN/,
    );
    expectLowbitError(
      () => applyToBlock(w8a8Static(), toyModel([1, 1], W), [bad]),
      'BAD_TENSOR',
      /NaN or Inf/,
    );
    bad.dispose();
  });

  it('rejects a static plan from a model with other targets', () => {
    const quantizer = w8a8Static();
    runRecipe(toyModel([1, 1], W), [quantizer], { calibration });
    const other = toyModel([1, 1], W);
    const renamed = { ...other, blocks: [{ ...other.blocks[0], targets: [] }] };
    expectLowbitError(
      () => withActivationQuantization(renamed, quantizer.plan()),
      'BAD_ARGS',
      /names targets that "toy" lacks \(fc\); run the activation quantizer/,
    );
  });
});
