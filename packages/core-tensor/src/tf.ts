// The single TensorFlow.js instance every lowbit package uses. Importing the umbrella
// package (not tfjs-core alone) registers the kernels' gradients in plain Node.
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
