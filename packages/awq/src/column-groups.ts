import { tf } from '@lowbit/core-tensor';
import type { AwqConfig } from './config';

/** The quantization groups of a weight row: `count` groups of `size` columns, the last possibly shorter. */
export interface ColumnGroups {
  count: number;
  size: number;
  columns: number;
}

export function columnGroups(config: AwqConfig, columns: number): ColumnGroups {
  const size = config.groupSize === 'channel' ? columns : config.groupSize;
  return { count: Math.ceil(columns / size), size, columns };
}

/** [rows, columns] → [rows, count, size], a ragged last group padded with zeros. */
export function toGroups(w: tf.Tensor2D, groups: ColumnGroups): tf.Tensor3D {
  return tf.tidy(() => {
    const missing = groups.count * groups.size - groups.columns;
    const padded =
      missing === 0
        ? w
        : tf.pad(w, [
            [0, 0],
            [0, missing],
          ]);
    return tf.reshape(padded, [w.shape[0], groups.count, groups.size]);
  });
}

/** Inverse of {@link toGroups}: drops the padding. */
export function fromGroups(x: tf.Tensor3D, groups: ColumnGroups): tf.Tensor2D {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [x.shape[0], groups.count * groups.size]) as tf.Tensor2D;
    return flat.shape[1] === groups.columns ? flat : tf.slice(flat, [0, 0], [-1, groups.columns]);
  });
}

/** The diagonal blocks of a Gram matrix [columns, columns], one per group: [count, size, size]. */
export function gramBlocks(gram: tf.Tensor2D, groups: ColumnGroups): tf.Tensor3D {
  return tf.tidy(() => {
    const { count, size, columns } = groups;
    const missing = count * size - columns;
    const padded =
      missing === 0
        ? gram
        : tf.pad(gram, [
            [0, missing],
            [0, missing],
          ]);
    const blocks = Array.from({ length: count }, (_, g) =>
      tf.slice(padded, [g * size, g * size], [size, size]),
    );
    return tf.stack(blocks) as tf.Tensor3D;
  });
}
