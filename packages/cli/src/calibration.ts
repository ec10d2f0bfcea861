import { LowbitError, tf } from '@lowbit/core-tensor';
import { imageBatches, readIdx, readTextLines, sampleCalibration, sampleIndices } from '@lowbit/models';
import { toModelInput } from './evaluate';
import type { LoadedModel } from './model-kinds/index';
import { llamaOf, tokenizerFor, tokenizerPath } from './tokenizer';

export interface CalibrationOptions {
  /** A text file for a causal LM, an IDX images file for a classifier. */
  calib?: string;
  /** Default: 32 texts or 128 images. */
  samples?: number;
  /** Tokens per text sample (default: 128, at most the model's sequence length). */
  seqLen?: number;
  seed: number;
  tokenizer?: string;
}

const IMAGE_BATCH = 32;
const TEXT_SAMPLES = 32;
const TEXT_SEQ_LEN = 128;
const IMAGE_SAMPLES = 128;

function textBatches(loaded: LoadedModel, path: string, options: CalibrationOptions): tf.Tensor[] {
  const seqLen = options.seqLen ?? Math.min(TEXT_SEQ_LEN, llamaOf(loaded, 'Calibration').config.seqLen);
  const tokenizer = tokenizerFor(loaded, tokenizerPath(loaded, options.tokenizer), 'Calibration');
  return sampleCalibration(readTextLines(path), {
    samples: options.samples ?? TEXT_SAMPLES,
    seqLen,
    seed: options.seed,
    tokenizer,
  });
}

/** `samples` images drawn with `seed` from a uint8 IDX file [N, H, W], scaled to [0, 1]. */
function imageBatchesFrom(loaded: LoadedModel, path: string, options: CalibrationOptions): tf.Tensor[] {
  const { dims, data } = readIdx(path);
  if (dims.length !== 3 || !(data instanceof Uint8Array)) {
    throw new LowbitError(
      'BAD_FILE',
      `${path} must hold uint8 images [N, H, W] for calibration; it holds [${dims}].`,
    );
  }
  const [count, height, width] = dims;
  const images = {
    images: Float32Array.from(data, (p) => p / 255),
    shape: [count, 1, height, width] as [number, number, number, number],
  };
  const indices = sampleIndices(count, Math.min(options.samples ?? IMAGE_SAMPLES, count), options.seed);
  return imageBatches(images, { batchSize: IMAGE_BATCH, indices }).map((batch) => {
    const input = tf.tidy(() => tf.clone(toModelInput(loaded, batch)));
    batch.dispose();
    return input;
  });
}

/** Calibration batches for a method that observes activations; the caller disposes them. */
export function loadCalibration(
  loaded: LoadedModel,
  method: string,
  options: CalibrationOptions,
): tf.Tensor[] {
  if (!options.calib) {
    throw new LowbitError(
      'BAD_ARGS',
      `--method ${method} needs calibration data; pass --calib FILE (a text file for a language model, IDX images for a classifier).`,
    );
  }
  return loaded.model.task === 'causal-lm'
    ? textBatches(loaded, options.calib, options)
    : imageBatchesFrom(loaded, options.calib, options);
}
