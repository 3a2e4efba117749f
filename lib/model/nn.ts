/**
 * The seed's layers, in tfjs, under TF-1's names in camelCase: `basicRNNCell`,
 * `dynamicRnn`, `fullyConnected`, `sparseSoftmaxCrossEntropyWithLogits`, `inTopK`,
 * with TF-1's parameters and initialisers, so that they compute what the seed's
 * In[4] computes (test/unit/model-reference.test.ts checks them against TensorFlow's
 * own numbers). Each layer owns its tfjs variables; lib/model/model.ts joins them
 * into the model that trains, through tfjs's gradients of exactly these functions: edit a
 * layer here and training, predictions and charts all follow.
 */
import * as tf from '@tensorflow/tfjs-node';
import { positiveInteger } from '../checks';
import { createRng, randomSeed } from '../random';

/**
 * TF-1's default initialiser for `get_variable` and `fully_connected`
 * (glorot_uniform / xavier_initializer): U(-limit, limit) with
 * limit = sqrt(6 / (fanIn + fanOut)).
 * @returns [fanIn, fanOut]
 */
export function glorotUniform(fanIn: number, fanOut: number, random: () => number): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * limit;
  return tf.tensor2d(values, [fanIn, fanOut]);
}

function rngFor(seed: number | undefined): () => number {
  return createRng(seed ?? randomSeed());
}

/** An element-wise activation, such as tf.tanh or tf.relu. */
export type Activation = (x: tf.Tensor) => tf.Tensor;

export interface BasicRNNCell {
  readonly numUnits: number;
  readonly inputSize: number;
  /** [inputSize + numUnits, numUnits]: input weights on top, recurrent weights below. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** [numUnits] */
  readonly bias: tf.Variable<tf.Rank.R1>;
  /**
   * One step: `activation(concat([inputs, state], 1) @ kernel + bias)`, which is
   * both the output and the new state. Runs `unroll()`'s two parts once.
   * @param inputs [batch, inputSize]
   * @param state [batch, numUnits]
   * @returns [batch, numUnits]
   */
  call(inputs: tf.Tensor2D, state: tf.Tensor2D): tf.Tensor2D;
  /**
   * The step in two parts, for a run over many steps (`dynamicRnn`). The kernel is split once
   * into its input rows Wx and its recurrent rows Wh, and concat([x, h]) @ kernel is taken as
   * x @ Wx + h @ Wh: the same sum, in an order that lets the inputs of every step be projected
   * in one matMul, and the gradient of the split be one concat rather than one per step.
   */
  unroll(): UnrolledRNNCell;
  dispose(): void;
}

export interface UnrolledRNNCell {
  /**
   * The part of a step that does not depend on the state, `inputs @ Wx + bias`, for any number
   * of rows at once.
   * @param inputs [rows, inputSize]
   * @returns [rows, numUnits]
   */
  project: (inputs: tf.Tensor2D) => tf.Tensor2D;
  /**
   * The rest of a step: `activation(projected + state @ Wh)`, the output and the new state.
   * @param projected [batch, numUnits], from `project`
   * @param state [batch, numUnits]
   * @returns [batch, numUnits]
   */
  step: (projected: tf.Tensor2D, state: tf.Tensor2D) => tf.Tensor2D;
}

/**
 * TF-1's `tf.contrib.rnn.BasicRNNCell(num_units, activation=tanh)`: one kernel,
 * glorot-uniform, and a zero bias.
 */
export function basicRNNCell(config: {
  numUnits: number;
  inputSize: number;
  seed?: number;
  /** Default tf.tanh, as TF-1's. */
  activation?: Activation;
}): BasicRNNCell {
  const numUnits = positiveInteger('numUnits', config.numUnits);
  const inputSize = positiveInteger('inputSize', config.inputSize);
  // tidy frees the initial values; the variables keep their own reference to the data.
  const kernel = tf.tidy(() => tf.variable(glorotUniform(inputSize + numUnits, numUnits, rngFor(config.seed))));
  const bias = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([numUnits])));
  const activation = config.activation ?? tf.tanh;
  const unroll = (): UnrolledRNNCell => {
    const [wx, wh] = tf.split(kernel, [inputSize, numUnits], 0) as [tf.Tensor2D, tf.Tensor2D];
    return {
      project: (inputs) => tf.tidy(() => tf.add(tf.matMul(inputs, wx), bias)),
      step: (projected, state) => tf.tidy(() => activation(tf.add(projected, tf.matMul(state, wh))) as tf.Tensor2D),
    };
  };
  return {
    numUnits,
    inputSize,
    kernel,
    bias,
    call: (inputs, state) =>
      tf.tidy(() => {
        const { project, step } = unroll();
        return step(project(inputs), state);
      }),
    unroll,
    dispose: () => tf.dispose([kernel, bias]),
  };
}

/**
 * TF-1's `tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)`: runs the cell over
 * the steps of `x`, starting from a zero state.
 * @param x [batch, nSteps, inputSize]
 * @returns outputs [batch, nSteps, numUnits], every step's output;
 *   states [batch, numUnits], the final state
 */
export function dynamicRnn(cell: BasicRNNCell, x: tf.Tensor3D): { outputs: tf.Tensor3D; states: tf.Tensor2D } {
  const [batch, , inputSize] = x.shape;
  if (inputSize !== cell.inputSize) {
    throw new Error(
      `dynamicRnn: expected \`x\` of shape [batch, nSteps, ${cell.inputSize}], got [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    // Every step's inputs projected at once, [batch * nSteps, numUnits]; then the steps in turn.
    const { project, step } = cell.unroll();
    const projected = project(x.reshape([-1, inputSize]) as tf.Tensor2D).reshape([batch, -1, cell.numUnits]);
    let state: tf.Tensor2D = tf.zeros([batch, cell.numUnits]);
    const outputs = tf.unstack(projected, 1).map((p) => (state = step(p as tf.Tensor2D, state)));
    return { outputs: tf.stack(outputs, 1) as tf.Tensor3D, states: state };
  });
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
