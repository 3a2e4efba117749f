// A model's inputs, from tensors or from the flat arrays a `DataSet` batch holds: checked,
// made into tensors (only where they are arrays), and split into the training graph's shards.
import * as tf from '@tensorflow/tfjs-node';

/** Images as a tensor [batch, nSteps, nInputs], or as a flat array of `batch * nSteps * nInputs` floats. */
export type Images = tf.Tensor3D | Float32Array;
/** Labels as an int32 tensor [batch], or as an array. */
export type Labels = tf.Tensor1D | Int32Array;

/** The image shape a model takes: `nSteps` rows of `nInputs` pixels. */
export interface ImageShape {
  nSteps: number;
  nInputs: number;
}

/** Checks `x` and returns the number of images in it. */
function batchOf(x: Images, { nSteps, nInputs }: ImageShape): number {
  if (x instanceof Float32Array) {
    if (x.length % (nSteps * nInputs) !== 0) {
      throw new Error(`Expected images of ${nSteps}x${nInputs} floats each, got an array of length ${x.length}`);
    }
    return x.length / (nSteps * nInputs);
  }
  if (x.shape[1] !== nSteps || x.shape[2] !== nInputs) {
    throw new Error(`Expected \`x\` of shape [batch, ${nSteps}, ${nInputs}], got [${x.shape.join(', ')}]`);
  }
  return x.shape[0];
}

/**
 * Runs `f` on `x` as a tensor [batch, nSteps, nInputs], made from the array where it is one
 * and freed afterwards; a tensor given is passed as it is and kept.
 */
export function withImages<R>(x: Images, shape: ImageShape, f: (x: tf.Tensor3D) => R): R {
  const batch = batchOf(x, shape);
  const xt = x instanceof Float32Array ? tf.tensor3d(x, [batch, shape.nSteps, shape.nInputs]) : x;
  try {
    return f(xt);
  } finally {
    if (xt !== x) xt.dispose();
  }
}

/**
 * The batch in `shards` parts: part i holds examples [floor(i * batch / shards), floor((i + 1) * batch / shards)).
 * @returns xs, each [part, nSteps, nInputs], and ys, each [part] int32: new tensors the caller frees
 */
export function shardBatch(
  x: Images,
  y: Labels,
  shape: ImageShape,
  shards: number,
): { xs: tf.Tensor3D[]; ys: tf.Tensor1D[] } {
  const batch = batchOf(x, shape);
  const nLabels = y instanceof Int32Array ? y.length : y.shape[0];
  if (batch === 0) throw new Error('Expected a batch of at least one image, got none');
  if (nLabels !== batch) throw new Error(`Expected one label per image (${batch}), got ${nLabels} labels`);
  const bounds = Array.from({ length: shards + 1 }, (_, i) => Math.floor((i * batch) / shards));
  const sizes = bounds.slice(1).map((end, i) => end - (bounds[i] as number));
  const row = shape.nSteps * shape.nInputs;
  // From arrays, each part is made from its own slice (no copy in JS); tensors are split by TensorFlow.
  const xs =
    x instanceof Float32Array
      ? sizes.map((n, i) =>
          tf.tensor3d(x.subarray(bounds[i]! * row, bounds[i + 1]! * row), [n, shape.nSteps, shape.nInputs]),
        )
      : shards === 1
        ? [tf.clone(x)]
        : tf.split(x, sizes, 0);
  const ys =
    y instanceof Int32Array
      ? sizes.map((_, i) => tf.tensor1d(y.subarray(bounds[i], bounds[i + 1]), 'int32'))
      : shards === 1
        ? [tf.clone(y)]
        : tf.split(y, sizes, 0);
  return { xs: xs as tf.Tensor3D[], ys: ys as tf.Tensor1D[] };
}
