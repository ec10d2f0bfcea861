import { beforeAll, describe, expect, it } from 'vitest';
import { ArrayTarget } from './array-target';
import { initBackend } from './backend';
import { perChannel } from './granularity';
import type { Block, QuantModel } from './model';
import { captureInputs, forwardModel, stagedForward } from './model';
import type { Modifier } from './modifier';
import { runRecipe } from './pipeline';
import { quantArgs } from './quant-args';
import { QuantizedTensor } from './quantized-tensor';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';

/** Two blocks of y = x Wᵀ with W [2, 2]; the embedding is the identity. */
function toyModel(): QuantModel {
  const block = (name: string, w: number[]): Block => {
    const target = new ArrayTarget(`${name}.w`, 'linear', [2, 2], Float32Array.from(w));
    return {
      name,
      targets: [target],
      mappings: [],
      forward: (x, capture) =>
        tf.tidy(() => {
          capture?.(target.name, x);
          return tf.matMul(x, target.weight(), false, true);
        }),
    };
  };
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [block('b0', [1.3, 0, 0, 1]), block('b1', [1, 0, 0, 1])],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
  };
}

/** Records what it observes, then rounds every weight to integers (a 1-unit-step RTN). */
function roundingModifier(log: string[], seen: number[][]): Modifier {
  return {
    name: 'round',
    needsCalibration: true,
    observe: (_block, target, input) => {
      log.push(`observe ${target}`);
      seen.push(Array.from(input.dataSync()));
    },
    applyBlock: (block) => {
      for (const target of block.targets) {
        const w = target.weight();
        const args = quantArgs({ bits: 8, symmetric: true, granularity: perChannel(0) });
        const qp = { scale: tf.ones([2]), zeroPoint: tf.zeros([2]) };
        target.setWeight(QuantizedTensor.fromTensor(w, args, qp));
        tf.dispose([w, qp.scale, qp.zeroPoint]);
        log.push(`apply ${target.name}`);
      }
    },
    finalize: () => ({ modifier: 'round', config: {}, targets: [], seconds: 0 }),
  };
}

describe.each(TEST_BACKENDS)('sequential pipeline on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('feeds each block the outputs of the already-quantized previous block', () => {
    const model = toyModel();
    const log: string[] = [];
    const seen: number[][] = [];
    const batch = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    const progress: string[] = [];
    runRecipe(model, [roundingModifier(log, seen)], {
      calibration: [batch],
      onProgress: (e) => progress.push(`${e.done}/${e.total}`),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(log).toEqual(['observe b0.w', 'apply b0.w', 'observe b1.w', 'apply b1.w']);
    // Block 0's weight 1.3 was rounded to 1 before block 1 saw its input: [1, 2], not [1.3, 2].
    expect(seen).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(progress).toEqual(['1/2', '2/2']);
    const out = forwardModel(model, batch);
    expect(Array.from(out.dataSync())).toEqual([1, 2]);
    tf.dispose([out, batch]);
  });

  it('releases the calibration activations when a modifier throws', () => {
    const model = toyModel();
    const batch = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    const failing: Modifier = {
      name: 'fail',
      needsCalibration: true,
      observe: () => undefined,
      applyBlock: () => {
        throw new Error('boom');
      },
      finalize: () => ({ modifier: 'fail', config: {}, targets: [], seconds: 0 }),
    };
    expect(() => runRecipe(model, [failing], { calibration: [batch] })).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
  });

  it('runs modifiers in recipe order and skips calibration when none observes', () => {
    const model = toyModel();
    const order: string[] = [];
    const named = (name: string): Modifier => ({
      name,
      needsCalibration: false,
      applyBlock: (block) => {
        order.push(`${name}:${block.name}`);
      },
      finalize: () => ({ modifier: name, config: {}, targets: [], seconds: 0 }),
    });
    const reports = runRecipe(model, [named('a'), named('b')]);
    expect(order).toEqual(['a:b0', 'b:b0', 'a:b1', 'b:b1']);
    expect(reports.map((r) => r.modifier)).toEqual(['a', 'b']);
  });

  it('feeds the next block the outputs the last modifier returns, and recomputes after a later modifier', () => {
    const batch = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const recorder: Modifier = {
      name: 'record',
      needsCalibration: true,
      observe: (_b, target, input) => {
        seen.push(`${target}=${Array.from(input.dataSync())}`);
      },
      applyBlock: () => undefined,
      finalize: () => ({ modifier: 'record', config: {}, targets: [], seconds: 0 }),
    };
    // Returns made-up outputs [[7, 7]]: the next block must see them, not its recomputed input.
    const supplier: Modifier = {
      name: 'supply',
      needsCalibration: true,
      applyBlock: (_block, context) =>
        context.needsOutputs ? context.inputs.map(() => tf.tensor2d([[7, 7]])) : undefined,
      finalize: () => ({ modifier: 'supply', config: {}, targets: [], seconds: 0 }),
    };
    runRecipe(toyModel(), [recorder, supplier], { calibration: [batch] });
    expect(seen).toEqual(['b0.w=1,2', 'b1.w=7,7']);
    seen.length = 0;
    runRecipe(toyModel(), [supplier, recorder], { calibration: [batch] });
    expect(seen).toEqual(['b0.w=1,2', 'b1.w=1.2999999523162842,2']);
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
  });

  it('runs a block without stages as a recomputed staged pass that shows each input once', () => {
    const [block] = toyModel().blocks;
    const x = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    const shown: string[] = [];
    const pass = stagedForward(block, x);
    pass.advance(new Set(['b0.w']), (name) => {
      shown.push(name);
    });
    pass.advance(new Set(['b0.w']), (name) => {
      shown.push(name);
    });
    const out = pass.finish();
    expect(Array.from(out.dataSync()).map((v) => Math.round(v * 10) / 10)).toEqual([1.3, 2]);
    out.dispose();
    captureInputs(block, x, new Set(['b0.w']), (name) => {
      shown.push(name);
    });
    expect(shown).toEqual(['b0.w', 'b0.w']);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
