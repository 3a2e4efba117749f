/**
 * A batch taken in parts, each its own chain of operations, so that TensorFlow runs them side by
 * side, one per inter-op thread (`ModelConfig.shards` in lib/model/model.ts says why and when).
 */
import * as tf from '@tensorflow/tfjs-node';

/**
 * `f` applied to the batch in `shards` parts (fewer for a smaller batch), its results
 * concatenated along the batch. Part i holds examples [floor(i * batch / shards),
 * floor((i + 1) * batch / shards)) of every tensor in `batch`.
 * @param batch tensors that share their first dimension, the batch
 * @param f takes the same part of each, returns [part, ...]
 */
export function inShards<T extends tf.Tensor[], R extends tf.Tensor>(
  batch: [...T],
  shards: number,
  f: (...part: T) => R,
): R {
  const size = batch[0]!.shape[0];
  const parts = Math.min(shards, size);
  if (parts === 1) return f(...(batch as T));
  const sizes = Array.from(
    { length: parts },
    (_, i) => Math.floor(((i + 1) * size) / parts) - Math.floor((i * size) / parts),
  );
  const split = batch.map((t) => tf.split(t, sizes, 0));
  return tf.concat(sizes.map((_, i) => f(...(split.map((s) => s[i]) as T)))) as R;
}
