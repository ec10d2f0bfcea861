import { type ArrayTarget, LowbitError, type Mapping, tf } from '@lowbit/core-tensor';

function assertScales(s: Float32Array, channels: number, smooth: string): void {
  if (s.length !== channels) {
    throw new LowbitError(
      'BAD_ARGS',
      `${smooth}: ${s.length} scales for ${channels} output channels; pass one per channel.`,
    );
  }
  if (!s.every((v) => Number.isFinite(v) && v !== 0)) {
    throw new LowbitError('BAD_ARGS', `${smooth}: scales must be finite and non-zero.`);
  }
}

/** A norm whose per-channel weight (updated in place) feeds `balance`. */
export function normMapping(smooth: string, weight: Float32Array, balance: readonly string[]): Mapping {
  return {
    smooth,
    balance,
    divideOutput(s) {
      assertScales(s, weight.length, smooth);
      for (let j = 0; j < weight.length; j++) weight[j] /= s[j];
    },
  };
}

/** A linear [out, in] whose output feeds `balance`: 1/s[j] folds into its row j. */
export function linearMapping(producer: ArrayTarget, balance: readonly string[]): Mapping {
  return {
    smooth: producer.name,
    balance,
    divideOutput(s) {
      const [rows, cols] = producer.shape;
      assertScales(s, rows, producer.name);
      const divided = Float32Array.from(producer.values);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) divided[r * cols + c] /= s[r];
      }
      const weight = tf.tensor2d(divided, [rows, cols]);
      producer.setWeight(weight);
      weight.dispose();
    },
  };
}
