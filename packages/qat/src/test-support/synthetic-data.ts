// A separable synthetic classification task: labels are the argmax of a random linear teacher.
import { mulberry32, tf } from '@lowbit/core-tensor';
import type { ImageData } from '../data';

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** `count` inputs of shape [1, 1, features] with labels argmax(T·x) over `classes`. */
export function teacherTask(count: number, features: number, classes: number, seed: number): ImageData {
  const random = mulberry32(seed);
  const teacher = mulberry32(12345);
  const t = Array.from({ length: classes * features }, () => gaussian(teacher));
  const images = Float32Array.from({ length: count * features }, () => gaussian(random));
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    let best = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let f = 0; f < features; f++) s += t[c * features + f] * images[n * features + f];
      if (s > best) {
        best = s;
        labels[n] = c;
      }
    }
  }
  return { images, shape: [count, 1, 1, features], labels };
}

/** The first `count` examples' images as one batch tensor. */
export function imagesOf(data: ImageData, count = data.shape[0]): tf.Tensor4D {
  const [, c, h, w] = data.shape;
  return tf.tensor4d(data.images.subarray(0, count * c * h * w), [count, c, h, w]);
}
