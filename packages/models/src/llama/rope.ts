import { tf } from '@lowbit/core-tensor';

/** cos and sin of llama2.c's RoPE angles (its freq_cis_real / freq_cis_imag), [positions, headSize/2]. */
export interface RopeAngles {
  cos: Float32Array;
  sin: Float32Array;
}

/** Angle of position p and channel pair (2i, 2i+1): p · theta^(−2i / headSize), as llama2.c. */
export function ropeAngles(positions: number, headSize: number, theta: number): RopeAngles {
  const half = headSize / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let pos = 0; pos < positions; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos / theta ** ((2 * i) / headSize);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** What applyRope needs: per-channel cos/sin [positions, headSize] and the pair-swap matrix. */
export interface RopeTables {
  headSize: number;
  cos: Float32Array;
  sin: Float32Array;
  /** [headSize, headSize]: (x·swap)[2i] = −x[2i+1], (x·swap)[2i+1] = x[2i]. */
  swap: Float32Array;
}

export function ropeTables(positions: number, headSize: number, theta: number): RopeTables {
  const angles = ropeAngles(positions, headSize, theta);
  const perChannel = (a: Float32Array) =>
    Float32Array.from({ length: positions * headSize }, (_, j) => a[j >> 1]);
  const swap = new Float32Array(headSize * headSize);
  for (let i = 0; i < headSize; i += 2) {
    swap[(i + 1) * headSize + i] = -1;
    swap[i * headSize + i + 1] = 1;
  }
  return { headSize, cos: perChannel(angles.cos), sin: perChannel(angles.sin), swap };
}

/**
 * Rotates x [B, T, H, headSize] at positions 0..T−1, llama2.c's convention: each interleaved pair
 * (x[2i], x[2i+1]) of a head is a complex number multiplied by e^{i·angle}. Computed as
 * x·cos + (x·swap)·sin, which is exact and avoids wasm's slow strided split.
 */
export function applyRope(x: tf.Tensor, tables: RopeTables): tf.Tensor {
  return tf.tidy(() => {
    const [, t, , size] = x.shape;
    const cos = tf.tensor(tables.cos.subarray(0, t * size), [1, t, 1, size]);
    const sin = tf.tensor(tables.sin.subarray(0, t * size), [1, t, 1, size]);
    const swapped = tf.reshape(
      tf.matMul(tf.reshape(x, [-1, size]), tf.tensor2d(tables.swap, [size, size])),
      x.shape,
    );
    return tf.add(tf.mul(x, cos), tf.mul(swapped, sin));
  });
}
