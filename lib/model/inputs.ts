// A model's inputs, from tensors or from the flat arrays a `DataSet` batch holds: checked, and
// made into tensors only where they are arrays.
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
 * Runs `f` on a batch as tensors: `x` as [batch, nSteps, nInputs] and `y` as int32 [batch], each
 * made from its array where it is one and freed afterwards.
 * @throws for an empty batch, or a label count other than the image count
 */
export function withBatch<R>(x: Images, y: Labels, shape: ImageShape, f: (x: tf.Tensor3D, y: tf.Tensor1D) => R): R {
  const batch = batchOf(x, shape);
  const nLabels = y instanceof Int32Array ? y.length : y.shape[0];
  if (batch === 0) throw new Error('Expected a batch of at least one image, got none');
  if (nLabels !== batch) throw new Error(`Expected one label per image (${batch}), got ${nLabels} labels`);
  return withImages(x, shape, (xt) => {
    const yt = y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y;
    try {
      return f(xt, yt);
    } finally {
      if (yt !== y) yt.dispose();
    }
  });
}
