/**
 * How much of the loss's gradient reaches each row of an image: the backward
 * pass through time of lib/model/training-graph.ts, run eagerly on a batch, keeping
 * what the training step only passes through, the gradient at every step.
 *
 * With h_t = tanh([x_t, h_{t-1}] @ kernel + bias) and logits = h_T @ weights + biases,
 * the same recurrence as the training graph's:
 *   dLogits = softmax(logits) - oneHot(y)
 *   dh_T    = dLogits @ weights^T
 *   dz_t    = dh_t * (1 - h_t^2),   dh_{t-1} = dz_t @ Wh^T,   dx_t = dz_t @ Wx^T
 * except that each example's gradient is that of its own cross-entropy (the
 * training graph divides by the batch size, for the batch's mean loss), so the
 * numbers do not depend on how many examples are averaged.
 *
 * Eager rather than a graph of its own: it runs once per chart, not once per
 * batch, so TensorFlow's per-op cost does not matter here.
 */
import * as tf from '@tensorflow/tfjs-node';
import type { Images, Labels } from './inputs';
import { dynamicRnn, type BasicRNNCell, type FullyConnected } from './nn';

/** The parts of a model the gradients need (a `Model` has them). */
export interface RnnClassifier {
  readonly basicCell: BasicRNNCell;
  readonly logitsLayer: FullyConnected;
}

export interface RowGradientTensors {
  /** [batch, nSteps, nNeurons] d loss_i / d h_t: all of the loss's gradient that reaches state t */
  dStates: tf.Tensor3D;
  /** [batch, nSteps, nNeurons] d loss_i / d (the pre-activation at step t), the training graph's dz_t */
  dPreactivations: tf.Tensor3D;
  /** [batch, nSteps, nInputs] d loss_i / d x_t: the gradient that reaches row t of the image */
  dInputs: tf.Tensor3D;
}

function checkedInputs(model: RnnClassifier, x: Images, y: Labels): { xt: tf.Tensor3D; yt: tf.Tensor1D } {
  const { inputSize } = model.basicCell;
  const nLabels = y instanceof Int32Array ? y.length : y.shape[0];
  if (x instanceof Float32Array) {
    const batch = nLabels;
    if (batch === 0 || x.length % (batch * inputSize) !== 0) {
      throw new Error(
        `Expected \`x\` to hold ${nLabels} images of nSteps x ${inputSize} floats (one per label), got an array of length ${x.length}`,
      );
    }
    const xt = tf.tensor3d(x, [batch, x.length / (batch * inputSize), inputSize]);
    return { xt, yt: y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y };
  }
  if (x.shape[2] !== inputSize || x.shape[0] !== nLabels || x.shape[0] === 0) {
    throw new Error(
      `Expected \`x\` of shape [${nLabels || 'batch ≥ 1'}, nSteps, ${inputSize}] (one image per label), got [${x.shape.join(', ')}]`,
    );
  }
  return { xt: x, yt: y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y };
}

/**
 * The gradient of each example's cross-entropy with respect to every state
 * and every input row, by backpropagation through time.
 * @param x [batch, nSteps, inputSize], or the flat array of a `DataSet` batch
 * @param y [batch] int32 labels
 * @returns tensors the caller disposes
 */
export function rowGradients(model: RnnClassifier, x: Images, y: Labels): RowGradientTensors {
  const { xt, yt } = checkedInputs(model, x, y);
  try {
    return tf.tidy(() => {
      const { kernel } = model.basicCell;
      const { weights } = model.logitsLayer;
      const nSteps = xt.shape[1];
      const [wx, wh] = tf.split(kernel, [model.basicCell.inputSize, model.basicCell.numUnits], 0) as [
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      const { outputs } = dynamicRnn(model.basicCell, xt);
      const states = tf.unstack(outputs, 1) as tf.Tensor2D[];
      const logits = model.logitsLayer.apply(states[nSteps - 1] as tf.Tensor2D);
      const dLogits = tf.sub(tf.softmax(logits), tf.oneHot(yt, logits.shape[1]));
      const dh = new Array<tf.Tensor2D>(nSteps);
      const dz = new Array<tf.Tensor2D>(nSteps);
      dh[nSteps - 1] = tf.matMul(dLogits, weights, false, true);
      for (let t = nSteps - 1; t >= 0; t--) {
        const h = states[t] as tf.Tensor2D;
        dz[t] = tf.mul(dh[t] as tf.Tensor2D, tf.sub(1, tf.square(h)));
        if (t > 0) dh[t - 1] = tf.matMul(dz[t] as tf.Tensor2D, wh, false, true);
      }
      const dZ = tf.stack(dz, 1) as tf.Tensor3D;
      const dInputs = tf
        .matMul(dZ.reshape([-1, model.basicCell.numUnits]), wx, false, true)
        .reshape([xt.shape[0], nSteps, model.basicCell.inputSize]) as tf.Tensor3D;
      return { dStates: tf.stack(dh, 1) as tf.Tensor3D, dPreactivations: dZ, dInputs };
    });
  } finally {
    if (xt !== x) xt.dispose();
    if (yt !== y) yt.dispose();
  }
}

/** Mean over the batch of the L2 norm of each example's gradient, per step. */
export interface RowGradientNorms {
  /** [nSteps] mean ‖d loss_i / d h_t‖ */
  states: number[];
  /** [nSteps] mean ‖d loss_i / d x_t‖ */
  inputs: number[];
}

/**
 * How much of the loss's gradient reaches each row: for t = 0 … nSteps - 1,
 * the mean over the batch of ‖d loss_i / d h_t‖ and of ‖d loss_i / d x_t‖.
 * @param x [batch, nSteps, inputSize], or the flat array of a `DataSet` batch
 * @param y [batch] int32 labels
 */
export function rowGradientNorms(model: RnnClassifier, x: Images, y: Labels): RowGradientNorms {
  const grads = rowGradients(model, x, y);
  try {
    const [states, inputs] = tf.tidy(() =>
      [grads.dStates, grads.dInputs].map((d) => tf.mean(tf.norm(d, 'euclidean', 2), 0)),
    ) as [tf.Tensor1D, tf.Tensor1D];
    try {
      return { states: Array.from(states.dataSync()), inputs: Array.from(inputs.dataSync()) };
    } finally {
      tf.dispose([states, inputs]);
    }
  } finally {
    tf.dispose([grads.dStates, grads.dPreactivations, grads.dInputs]);
  }
}
