/**
 * How much of the loss's gradient reaches each row of an image: d loss_i / d h_t for every
 * state h_t and d loss_i / d x_t for every input row x_t, by tfjs's autodiff through the model's
 * own cell (lib/model/cells.ts, any of the three) and dense layer, so that it follows any change
 * made there.
 *
 * tfjs takes gradients with respect to a function's inputs, not its intermediate tensors. So the
 * cell runs over the rows as `dynamicRnn` runs it, with one addition: a zero offset e_t added to
 * each output, h_t = cell(x_t, state_{t-1}).h + e_t, which the next step reads as its h. Adding zero changes nothing, and the gradient with
 * respect to e_t is the gradient that reaches h_t. Each example's gradient is that of its own
 * cross-entropy (the loss summed, not averaged, over the batch), so the numbers do not depend on
 * how many examples are taken.
 *
 * Eager, not traced: it runs once per chart, not once per batch.
 */
import * as tf from '@tensorflow/tfjs-node';
import type { Images, Labels } from './inputs';
import type { RNNCell } from './cells';
import type { AnyModel } from './model';
import { sparseSoftmaxCrossEntropyWithLogits, type FullyConnected } from './nn';

/** The parts of a model the gradients need (a `Model` has them). */
export interface RnnClassifier<State> {
  readonly cell: RNNCell<State>;
  readonly logitsLayer: FullyConnected;
}

export interface RowGradientTensors {
  /** [batch, nSteps, nNeurons] d loss_i / d h_t: all of the loss's gradient that reaches state t */
  dStates: tf.Tensor3D;
  /** [batch, nSteps, nInputs] d loss_i / d x_t: the gradient that reaches row t of the image */
  dInputs: tf.Tensor3D;
}

function checkedInputs<State>(model: RnnClassifier<State>, x: Images, y: Labels): { xt: tf.Tensor3D; yt: tf.Tensor1D } {
  const { inputSize } = model.cell;
  const nLabels = y instanceof Int32Array ? y.length : y.shape[0];
  const yt = () => (y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y);
  if (x instanceof Float32Array) {
    const batch = nLabels;
    if (batch === 0 || x.length % (batch * inputSize) !== 0) {
      throw new Error(
        `Expected \`x\` to hold ${nLabels} images of nSteps x ${inputSize} floats (one per label), got an array of length ${x.length}`,
      );
    }
    return { xt: tf.tensor3d(x, [batch, x.length / (batch * inputSize), inputSize]), yt: yt() };
  }
  if (x.shape[2] !== inputSize || x.shape[0] !== nLabels || x.shape[0] === 0) {
    throw new Error(
      `Expected \`x\` of shape [${nLabels || 'batch ≥ 1'}, nSteps, ${inputSize}] (one image per label), got [${x.shape.join(', ')}]`,
    );
  }
  return { xt: x, yt: yt() };
}

/**
 * The gradient of each example's cross-entropy with respect to every state and every input row.
 * @param x [batch, nSteps, inputSize], or the flat array of a `DataSet` batch
 * @param y [batch] int32 labels
 * @returns tensors the caller disposes
 */
export function rowGradients<State>(model: RnnClassifier<State> | AnyModel, x: Images, y: Labels): RowGradientTensors {
  // A model of any cell runs here as a model of its own: TypeScript cannot join the cells' state types.
  const { cell, logitsLayer } = model as RnnClassifier<unknown>;
  const { xt, yt } = checkedInputs(model as RnnClassifier<unknown>, x, y);
  // The summed cross-entropy as a function of the rows and of the offsets e_t (zeros), each
  // added to the output h_t, and so to the state the next step reads.
  const loss = (rows: tf.Tensor, offsets: tf.Tensor): tf.Scalar => {
    const { project, step } = cell.unroll();
    const es = tf.unstack(offsets, 1) as tf.Tensor2D[];
    let state = cell.zeroState(rows.shape[0] as number);
    tf.unstack(rows, 1).forEach((row, t) => {
      const next = step(project(row as tf.Tensor2D), state);
      state = cell.withOutput(next.state, tf.add(next.output, es[t]!));
    });
    return tf.sum(sparseSoftmaxCrossEntropyWithLogits(yt, logitsLayer.apply(cell.outputOf(state))));
  };
  try {
    return tf.tidy(() => {
      const [batch, nSteps] = xt.shape;
      const offsets = tf.zeros([batch, nSteps, cell.numUnits]);
      const [dInputs, dStates] = tf.grads(loss)([xt, offsets]) as [tf.Tensor3D, tf.Tensor3D];
      return { dStates, dInputs };
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
export function rowGradientNorms<State>(
  model: RnnClassifier<State> | AnyModel,
  x: Images,
  y: Labels,
): RowGradientNorms {
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
    tf.dispose([grads.dStates, grads.dInputs]);
  }
}
