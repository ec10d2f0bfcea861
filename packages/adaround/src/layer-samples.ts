import { type Block, LowbitError, type QuantTarget, tf } from '@lowbit/core-tensor';

/** A layer's calibration samples, kept in a Float32Array outside tfjs: [count, ...sampleShape]. */
export interface LayerSamples {
  readonly count: number;
  readonly sampleShape: readonly number[];
  readonly data: Float32Array;
}

/** The samples as a new tensor [count, ...sampleShape]. */
export function samplesTensor(samples: LayerSamples): tf.Tensor {
  return tf.tensor(samples.data, [samples.count, ...samples.sampleShape]);
}

function concatChunks(chunks: Float32Array[]): Float32Array {
  const data = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return data;
}

/** A captured input as samples: a linear's [..., in] as rows [rows, in]; a conv's NCHW as images. */
function asSamples(target: QuantTarget, input: tf.Tensor): tf.Tensor {
  return target.kind === 'linear' ? tf.reshape(input, [-1, input.shape[input.rank - 1]]) : input;
}

/**
 * The first `limit` rows (linear) or images (conv) that reach `target` when `block` runs on the
 * calibration batches (the block as it is now: earlier layers possibly hardened, inputs possibly
 * fake-quantized by a wrapping view). Only this target's input is kept, outside tfjs.
 */
export function captureLayerInputs(
  block: Block,
  batches: readonly tf.Tensor[],
  target: QuantTarget,
  limit: number,
): LayerSamples {
  const chunks: Float32Array[] = [];
  let count = 0;
  let sampleShape: number[] | undefined;
  for (const batch of batches) {
    if (count >= limit) break;
    tf.tidy(() => {
      let seen = false;
      block.forward(batch, (name, input) => {
        if (name !== target.name || seen) return;
        seen = true;
        const samples = asSamples(target, input);
        const take = Math.min(limit - count, samples.shape[0]);
        sampleShape = samples.shape.slice(1);
        chunks.push(tf.slice(samples, 0, take).dataSync() as Float32Array);
        count += take;
      });
    });
  }
  if (!sampleShape || count === 0) {
    throw new LowbitError(
      'BAD_ARGS',
      `Target "${target.name}" received no input while block "${block.name}" ran on the calibration batches; AdaRound reconstructs only targets the block's forward feeds (filter the others out).`,
    );
  }
  return { count, sampleShape, data: concatChunks(chunks) };
}

/** Rows per chunk when computing layer outputs. */
const CHUNK = 256;

/** apply(inputs, weight) over all samples, in chunks, kept outside tfjs. */
export function layerOutputs(
  inputs: LayerSamples,
  weight: tf.Tensor,
  apply: (input: tf.Tensor, weight: tf.Tensor) => tf.Tensor,
): LayerSamples {
  const chunks: Float32Array[] = [];
  let sampleShape: number[] = [];
  const perSample = inputs.sampleShape.reduce((a, b) => a * b, 1);
  for (let start = 0; start < inputs.count; start += CHUNK) {
    const rows = Math.min(CHUNK, inputs.count - start);
    const output = tf.tidy(() => {
      const slice = inputs.data.subarray(start * perSample, (start + rows) * perSample);
      return apply(tf.tensor(slice, [rows, ...inputs.sampleShape]), weight);
    });
    sampleShape = output.shape.slice(1);
    chunks.push(output.dataSync() as Float32Array);
    output.dispose();
  }
  return { count: inputs.count, sampleShape, data: concatChunks(chunks) };
}
