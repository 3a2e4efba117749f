/**
 * The seed's In[4] in tfjs: a basic RNN cell unrolled over the 28 rows of an
 * image, a dense layer on its final state, softmax cross-entropy, Adam.
 *
 * The pieces keep TF-1's names in camelCase (`basicRNNCell`, `dynamicRnn`,
 * `fullyConnected`, `sparseSoftmaxCrossEntropyWithLogits`, `inTopK`) and its
 * parameters and initialisers, so that they compute what the seed computes;
 * test/model-reference.test.ts checks them against TensorFlow's own numbers.
 *
 * `createModel` joins them. Its `trainStep` is the fast path: the same
 * forward pass, with the backward pass written out by hand (backpropagation
 * through time) instead of taped by autodiff, because on a model this small
 * the time goes into the number of TensorFlow calls, not into arithmetic.
 */
import * as tf from '@tensorflow/tfjs-node';
import { adamOptimizer, AdamOptimizer } from './adam';
import { createRng, randomSeed } from './random';

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

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
  return value;
}

function rngFor(seed: number | undefined): () => number {
  return createRng(seed ?? randomSeed());
}

export interface BasicRNNCell {
  readonly numUnits: number;
  readonly inputSize: number;
  /** [inputSize + numUnits, numUnits]: input weights on top, recurrent weights below. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** [numUnits] */
  readonly bias: tf.Variable<tf.Rank.R1>;
  /**
   * One step: `tanh(concat([inputs, state], 1) @ kernel + bias)`, which is
   * both the output and the new state.
   * @param inputs [batch, inputSize]
   * @param state [batch, numUnits]
   * @returns [batch, numUnits]
   */
  call(inputs: tf.Tensor2D, state: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

/**
 * TF-1's `tf.contrib.rnn.BasicRNNCell(num_units)`: one kernel, glorot-uniform,
 * and a zero bias.
 */
export function basicRNNCell(config: { numUnits: number; inputSize: number; seed?: number }): BasicRNNCell {
  const numUnits = positiveInteger('numUnits', config.numUnits);
  const inputSize = positiveInteger('inputSize', config.inputSize);
  const kernel = tf.variable(glorotUniform(inputSize + numUnits, numUnits, rngFor(config.seed)));
  const bias = tf.variable(tf.zeros<tf.Rank.R1>([numUnits]));
  return {
    numUnits,
    inputSize,
    kernel,
    bias,
    call: (inputs, state) =>
      tf.tidy(() => tf.tanh(tf.add(tf.matMul(tf.concat([inputs, state], 1), kernel), bias)) as tf.Tensor2D),
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
    throw new Error(`dynamicRnn: expected \`x\` of shape [batch, nSteps, ${cell.inputSize}], got [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let state: tf.Tensor2D = tf.zeros([batch, cell.numUnits]);
    const outputs = tf.unstack(x, 1).map((row) => (state = cell.call(row as tf.Tensor2D, state)));
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
  const weights = tf.variable(glorotUniform(inputSize, numOutputs, rngFor(config.seed)));
  const biases = tf.variable(tf.zeros<tf.Rank.R1>([numOutputs]));
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

/** The seed's In[3] constants. */
export interface ModelConfig {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  learningRate: number;
  /** Fixes the initial weights; the same seed gives the same run. */
  seed?: number;
}

/** Inputs as tensors, or as the flat arrays a `DataSet` batch holds. */
export type Images = tf.Tensor3D | Float32Array;
export type Labels = tf.Tensor1D | Int32Array;

export interface Model {
  readonly config: ModelConfig;
  readonly basicCell: BasicRNNCell;
  readonly logitsLayer: FullyConnected;
  readonly optimizer: AdamOptimizer;
  /**
   * @param x [batch, nSteps, nInputs]
   * @returns [batch, nOutputs]
   */
  logits(x: Images): tf.Tensor2D;
  /**
   * The dense layer applied to every intermediate state: how the belief
   * forms row by row. The last step equals `logits(x)`.
   * @param x [batch, nSteps, nInputs]
   * @returns [batch, nSteps, nOutputs]
   */
  logitsPerStep(x: Images): tf.Tensor3D;
  /** Mean cross-entropy, as a number. */
  loss(x: Images, y: Labels): number;
  /** One Adam step on one batch (the seed's `training_op`). */
  trainStep(x: Images, y: Labels): void;
  /** Share of examples whose label is the top logit. */
  accuracy(x: Images, y: Labels): number;
  /** @returns [batch] the predicted classes */
  predict(x: Images): Int32Array;
  /** The trainable variables, in TF-1's order: kernel, bias, weights, biases. */
  readonly variables: readonly tf.Variable[];
  dispose(): void;
}

/**
 * Gradients of the mean cross-entropy for the model of `createModel`,
 * written out by hand. Time runs along the first axis, so that the input
 * projection of all steps is one matMul, the per-step work is three ops
 * forward and two backward, and the weight gradients are one matMul each,
 * after the loop.
 *
 * With h_t = tanh(x_t Wx + h_{t-1} Wh + b) and logits = h_T Wy + by:
 *   dLogits = (softmax(logits) - oneHot(y)) / batch
 *   dh_T    = dLogits Wy^T
 *   dz_t    = dh_t * (1 - h_t^2),  dh_{t-1} = dz_t Wh^T
 *   dWx = sum_t x_t^T dz_t,  dWh = sum_t h_{t-1}^T dz_t,  db = sum_t sum_batch dz_t
 *
 * @param x [batch, nSteps, nInputs]
 * @param y [batch] int32
 * @returns gradients for [kernel, bias, weights, biases]
 */
export function rnnGradients(
  cell: BasicRNNCell,
  dense: FullyConnected,
  x: tf.Tensor3D,
  y: tf.Tensor1D,
): { logits: tf.Tensor2D; gradients: tf.Tensor[] } {
  const [batch, nSteps, nInputs] = x.shape;
  const nNeurons = cell.numUnits;
  const nOutputs = dense.biases.shape[0];
  return tf.tidy(() => {
    const wx = tf.slice(cell.kernel, [0, 0], [nInputs, nNeurons]);
    const wh = tf.slice(cell.kernel, [nInputs, 0], [nNeurons, nNeurons]);
    const xs = tf.reshape(tf.transpose(x, [1, 0, 2]), [nSteps * batch, nInputs]);
    const inputPart = tf.unstack(tf.reshape(tf.add(tf.matMul(xs, wx), cell.bias), [nSteps, batch, nNeurons]));

    const states: tf.Tensor2D[] = [];
    let h = tf.tanh(inputPart[0] as tf.Tensor2D);
    states.push(h);
    for (let t = 1; t < nSteps; t++) {
      h = tf.tanh(tf.add(inputPart[t] as tf.Tensor2D, tf.matMul(h, wh))) as tf.Tensor2D;
      states.push(h);
    }
    const logits = tf.add(tf.matMul(h, dense.weights), dense.biases) as tf.Tensor2D;

    const dLogits = tf.div(tf.sub(tf.softmax(logits), tf.oneHot(y, nOutputs)), batch);
    const dWeights = tf.matMul(h, dLogits, true, false);
    const dBiases = tf.sum(dLogits, 0);
    let dh: tf.Tensor2D = tf.matMul(dLogits, dense.weights, false, true);

    const allStates = tf.stack(states) as tf.Tensor3D; // [nSteps, batch, nNeurons]
    const tanhSlopes = tf.unstack(tf.sub(1, tf.square(allStates)));
    const dz: tf.Tensor2D[] = new Array<tf.Tensor2D>(nSteps);
    for (let t = nSteps - 1; t >= 0; t--) {
      const dzt = tf.mul(dh, tanhSlopes[t] as tf.Tensor2D) as tf.Tensor2D;
      dz[t] = dzt;
      if (t > 0) dh = tf.matMul(dzt, wh, false, true);
    }
    const dZ = tf.reshape(tf.stack(dz), [nSteps * batch, nNeurons]);
    // h_{-1} is zero, so step 0 adds nothing to dWh.
    const previous = tf.reshape(tf.slice(allStates, [0, 0, 0], [nSteps - 1, batch, nNeurons]), [-1, nNeurons]);
    const dWh = tf.matMul(previous, tf.slice(dZ, [batch, 0], [-1, nNeurons]), true, false);
    const dWx = tf.matMul(xs, dZ, true, false);
    const dKernel = tf.concat([dWx, dWh], 0);
    const dBias = tf.sum(dZ, 0);
    return { logits, gradients: [dKernel, dBias, dWeights, dBiases] };
  });
}

/** Builds the seed's In[4]: cell, dynamic RNN, logits, loss, Adam, accuracy. */
export function createModel(config: ModelConfig): Model {
  const nSteps = positiveInteger('nSteps', config.nSteps);
  const nInputs = positiveInteger('nInputs', config.nInputs);
  const nNeurons = positiveInteger('nNeurons', config.nNeurons);
  const nOutputs = positiveInteger('nOutputs', config.nOutputs);
  // Different streams for the two layers, both fixed by one seed.
  const seed2 = config.seed === undefined ? undefined : (config.seed * 2654435761 + 1) >>> 0;
  const basicCell = basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed: config.seed });
  const logitsLayer = fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: seed2 });
  const variables = [basicCell.kernel, basicCell.bias, logitsLayer.weights, logitsLayer.biases];
  const optimizer = adamOptimizer({ learningRate: config.learningRate }, variables);

  function images(x: Images): tf.Tensor3D {
    if (x instanceof Float32Array) {
      if (x.length % (nSteps * nInputs) !== 0) {
        throw new Error(`Expected images of ${nSteps}x${nInputs} floats each, got an array of length ${x.length}`);
      }
      return tf.tensor3d(x, [x.length / (nSteps * nInputs), nSteps, nInputs]);
    }
    if (x.shape[1] !== nSteps || x.shape[2] !== nInputs) {
      throw new Error(`Expected \`x\` of shape [batch, ${nSteps}, ${nInputs}], got [${x.shape.join(', ')}]`);
    }
    return x;
  }
  const labels = (y: Labels): tf.Tensor1D => (y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y);
  // Runs f on tensors made from arrays, freeing only those it made.
  function withInputs<R>(x: Images, y: Labels | null, f: (x: tf.Tensor3D, y: tf.Tensor1D | null) => R): R {
    const xt = images(x);
    const yt = y === null ? null : labels(y);
    try {
      return f(xt, yt);
    } finally {
      if (xt !== x) xt.dispose();
      if (yt !== null && yt !== y) yt.dispose();
    }
  }

  const logitsOf = (x: tf.Tensor3D): tf.Tensor2D =>
    tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, x).states));

  return {
    config: { ...config },
    basicCell,
    logitsLayer,
    optimizer,
    variables,
    logits: (x) => withInputs(x, null, logitsOf),
    logitsPerStep: (x) => withInputs(x, null, (xt) => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, xt).outputs))),
    loss: (x, y) =>
      withInputs(x, y, (xt, yt) =>
        tf.tidy(() => tf.mean(sparseSoftmaxCrossEntropyWithLogits(yt as tf.Tensor1D, logitsOf(xt))).dataSync()[0] as number),
      ),
    trainStep: (x, y) =>
      withInputs(x, y, (xt, yt) => {
        const { logits, gradients } = rnnGradients(basicCell, logitsLayer, xt, yt as tf.Tensor1D);
        optimizer.applyGradients(variables, gradients);
        tf.dispose([logits, ...gradients]);
      }),
    accuracy: (x, y) =>
      withInputs(x, y, (xt, yt) =>
        tf.tidy(() => tf.mean(tf.cast(inTopK(logitsOf(xt), yt as tf.Tensor1D, 1), 'float32')).dataSync()[0] as number),
      ),
    predict: (x) =>
      withInputs(x, null, (xt) => {
        const classes = tf.tidy(() => tf.argMax(logitsOf(xt), 1));
        try {
          return classes.dataSync() as Int32Array;
        } finally {
          classes.dispose();
        }
      }),
    dispose: () => {
      basicCell.dispose();
      logitsLayer.dispose();
      optimizer.dispose();
    },
  };
}
