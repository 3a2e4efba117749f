/**
 * The seed's layers around its cell, in tfjs, under TF-1's names in camelCase: `dynamicRnn`,
 * `fullyConnected`, `sparseSoftmaxCrossEntropyWithLogits`, `inTopK`, with TF-1's parameters and
 * initialisers, so that they compute what the seed's In[4] computes
 * (test/unit/model-reference.test.ts checks them against TensorFlow's own numbers). The cells are
 * in lib/model/cells.ts. Each layer owns its tfjs variables; lib/model/model.ts joins them into the
 * model that trains, through tfjs's gradients of exactly these functions: edit a layer here and
 * training, predictions and charts all follow.
 */
import * as tf from '@tensorflow/tfjs-node';
import { positiveInteger } from '../checks';
import type { RNNCell } from './cells';
import { glorotUniform, rngFor } from './init';

/**
 * TF-1's `tf.nn.dynamic_rnn(cell, X, initial_state=None, dtype=tf.float32)`: runs the cell over
 * the steps of `x`, starting from `initialState`, or from the cell's zero state as the seed does.
 * @param x [batch, nSteps, inputSize]
 * @returns outputs [batch, nSteps, numUnits], every step's output h; states, the final state
 *   ([batch, numUnits] for the basic and GRU cells, the pair (c, h) for the LSTM)
 */
export function dynamicRnn<State>(
  cell: RNNCell<State>,
  x: tf.Tensor3D,
  { initialState }: { initialState?: State } = {},
): { outputs: tf.Tensor3D; states: State } {
  const [batch, , inputSize] = x.shape;
  if (inputSize !== cell.inputSize) {
    throw new Error(
      `dynamicRnn: expected \`x\` of shape [batch, nSteps, ${cell.inputSize}], got [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy((): tf.TensorContainer => {
    // Every step's inputs projected at once, [batch, nSteps, width]; then the steps in turn.
    const { project, step } = cell.unroll();
    const projected = project(x.reshape([-1, inputSize]) as tf.Tensor2D);
    const rows = tf.unstack(projected.reshape([batch, -1, projected.shape[1]]), 1) as tf.Tensor2D[];
    let state = initialState ?? cell.zeroState(batch);
    const outputs = rows.map((p) => {
      const next = step(p, state);
      state = next.state;
      return next.output;
    });
    return { outputs: tf.stack(outputs, 1), states: state as tf.TensorContainer };
  }) as { outputs: tf.Tensor3D; states: State };
}

export interface FullyConnected {
  /** [inputSize, numOutputs] */
  readonly weights: tf.Variable<tf.Rank.R2>;
  /** [numOutputs] */
  readonly biases: tf.Variable<tf.Rank.R1>;
  /**
   * @param inputs [..., inputSize]
   * @returns [..., numOutputs]
   */
  apply<T extends tf.Tensor>(inputs: T): T;
  dispose(): void;
}

/**
 * TF-1's `fully_connected(inputs, num_outputs, activation_fn=...)`, with its
 * default initialisers (xavier/glorot uniform weights, zero biases). Unlike
 * TF-1 it is built before it is applied, so it is told its `inputSize`;
 * `activationFn` has no default, so that the seed's `None` is written out.
 */
export function fullyConnected(config: {
  inputSize: number;
  numOutputs: number;
  activationFn: ((x: tf.Tensor) => tf.Tensor) | null;
  seed?: number;
}): FullyConnected {
  const inputSize = positiveInteger('inputSize', config.inputSize);
  const numOutputs = positiveInteger('numOutputs', config.numOutputs);
  const weights = tf.tidy(() => tf.variable(glorotUniform(inputSize, numOutputs, rngFor(config.seed))));
  const biases = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([numOutputs])));
  const activationFn = config.activationFn;
  return {
    weights,
    biases,
    apply: <T extends tf.Tensor>(inputs: T): T =>
      tf.tidy(() => {
        const flat = inputs.reshape([-1, inputSize]) as tf.Tensor2D;
        const z = tf.add(tf.matMul(flat, weights), biases);
        const out = activationFn ? activationFn(z) : z;
        return out.reshape([...inputs.shape.slice(0, -1), numOutputs]) as T;
      }),
    dispose: () => tf.dispose([weights, biases]),
  };
}

/**
 * TF-1's `tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)`.
 * @param labels [batch] int32 class indices
 * @param logits [batch, nClasses]
 * @returns [batch] the cross-entropy of each example
 */
export function sparseSoftmaxCrossEntropyWithLogits(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logits), 1);
    return tf.sub(tf.logSumExp(logits, 1), picked);
  });
}

/**
 * TF-1's `tf.nn.in_top_k(predictions, targets, k)`: whether each target's
 * logit is among the k largest. As in TF, ties at the boundary count as in.
 * @param logits [batch, nClasses]
 * @param labels [batch] int32
 * @returns [batch] bool
 */
export function inTopK(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Tensor1D {
  return tf.tidy(() => {
    const target = tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logits), 1, true);
    const above = tf.sum(tf.cast(tf.greater(logits, target), 'int32'), 1);
    return tf.less(above, k);
  });
}
