/**
 * TF-1's `tf.clip_by_global_norm(t_list, clip_norm)`: the tensors scaled down together, by one
 * factor, when their global norm `sqrt(sum of every element squared)` exceeds `clipNorm`; as
 * they are otherwise. TF-1 writes the factor as `clipNorm * min(1 / globalNorm, 1 / clipNorm)`,
 * which this follows, so that a global norm of zero gives a factor of 1, not NaN.
 */
import * as tf from '@tensorflow/tfjs-node';

/**
 * @param tensors the gradients, of any shapes
 * @returns the clipped tensors, in order, and the global norm before clipping (a scalar)
 */
export function clipByGlobalNorm(
  tensors: readonly tf.Tensor[],
  clipNorm: number,
): { clipped: tf.Tensor[]; globalNorm: tf.Scalar } {
  if (!(clipNorm > 0)) throw new Error(`Expected \`clipNorm\` to be a positive number, got ${clipNorm}`);
  return tf.tidy(() => {
    const globalNorm = tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar;
    const scale = tf.mul(clipNorm, tf.minimum(tf.div(1, globalNorm), 1 / clipNorm));
    return { clipped: tensors.map((t) => tf.mul(t, scale)), globalNorm };
  });
}
