import { tf } from '@lowbit/core-tensor';

/**
 * ½·tr((W − Ŵ) H (W − Ŵ)ᵀ). With H = 2/n Σ xxᵀ over n calibration rows this is the mean over
 * those rows of the layer's squared output error ‖(W − Ŵ)x‖².
 */
export function outputError(weight: tf.Tensor2D, reconstruction: tf.Tensor2D, hessian: tf.Tensor2D): number {
  return tf.tidy(() => {
    const delta = tf.sub(weight, reconstruction);
    return tf.sum(tf.mul(tf.matMul(delta, hessian), delta)).dataSync()[0] / 2;
  });
}
