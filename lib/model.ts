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
 * forward pass, the backward pass written out by hand and Adam, built once
 * as a TensorFlow graph (lib/training-graph.ts) and run as one call per
 * batch, because on a model this small the time goes into the number of
 * TensorFlow calls as much as into arithmetic.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-node';
import { adamAlpha, adamConfig } from './adam';
import { positiveInteger } from './checks';
import { createRng, randomSeed } from './random';
import { createSession } from './tf-graph';
import { parameterCount, trainingGraph } from './training-graph';

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
  // tidy frees the initial values; the variables keep their own reference to the data.
  const kernel = tf.tidy(() => tf.variable(glorotUniform(inputSize + numUnits, numUnits, rngFor(config.seed))));
  const bias = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([numUnits])));
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
    throw new Error(
      `dynamicRnn: expected \`x\` of shape [batch, nSteps, ${cell.inputSize}], got [${x.shape.join(', ')}]`,
    );
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

/** The seed's In[3] constants. */
export interface ModelConfig {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  learningRate: number;
  /** Fixes the initial weights; the same seed gives the same run. */
  seed?: number;
  /**
   * Parts of each training batch whose forward and backward passes run side
   * by side, one per TensorFlow inter-op thread (lib/training-graph.ts).
   * Default `defaultShards()`. Changes only float rounding, not the math.
   */
  shards?: number;
}

/**
 * 2 where TensorFlow has at least two inter-op threads to run two shards on
 * (TF_NUM_INTEROP_THREADS, by default the number of cores), else 1. On 2 cores
 * two shards measured 1.25 ms per step of 50 against 1.95 ms for one; more
 * cores were not available to measure, so it stops at 2.
 */
export function defaultShards(): number {
  const threads = Number(process.env.TF_NUM_INTEROP_THREADS) || os.cpus().length;
  return threads >= 2 ? 2 : 1;
}

/** Inputs as tensors, or as the flat arrays a `DataSet` batch holds. */
export type Images = tf.Tensor3D | Float32Array;
export type Labels = tf.Tensor1D | Int32Array;

export interface Model {
  readonly config: ModelConfig;
  readonly basicCell: BasicRNNCell;
  readonly logitsLayer: FullyConnected;
  /** Adam steps taken so far (TF-1's `t`). */
  readonly iterations: number;
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
  /** One Adam step on one batch (the seed's `training_op`), as TF-1's AdamOptimizer takes it. */
  trainStep(x: Images, y: Labels): void;
  /** Share of examples whose label is the top logit. */
  accuracy(x: Images, y: Labels): number;
  /** @returns [batch] the predicted classes */
  predict(x: Images): Int32Array;
  /** The trainable variables, in TF-1's order: kernel, bias, weights, biases. */
  readonly variables: readonly tf.Variable[];
  dispose(): void;
}

const STATE_OUTPUTS = ['newKernel', 'newBias', 'newWeights', 'newBiases', 'newM', 'newV'];

/** Builds the seed's In[4]: cell, dynamic RNN, logits, loss, Adam, accuracy. */
export function createModel(config: ModelConfig): Model {
  const nSteps = positiveInteger('nSteps', config.nSteps);
  const nInputs = positiveInteger('nInputs', config.nInputs);
  const nNeurons = positiveInteger('nNeurons', config.nNeurons);
  const nOutputs = positiveInteger('nOutputs', config.nOutputs);
  const adam = adamConfig({ learningRate: config.learningRate });
  const shards = positiveInteger('shards', config.shards ?? defaultShards());
  // The session first: if TensorFlow refuses the graph, no tensors have been made yet.
  const session = createSession(trainingGraph({ nSteps, nInputs, nNeurons, nOutputs, adam, shards }));
  // Different streams for the two layers, both fixed by one seed. Math.imul keeps the low
  // 32 bits of the product exactly, where a float product loses them for large seeds.
  const seed2 = config.seed === undefined ? undefined : (Math.imul(config.seed, 2654435761) + 1) >>> 0;
  const basicCell = basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed: config.seed });
  const logitsLayer = fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: seed2 });
  const variables = [basicCell.kernel, basicCell.bias, logitsLayer.weights, logitsLayer.biases];
  // Adam's moments: non-trainable float32 variables like TF-1's slots (so tf.disposeVariables()
  // frees them too), given the graph's outputs at every step.
  const size = parameterCount(config);
  const [m, v] = [0, 1].map(() => tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([size]), false))) as [
    tf.Variable<tf.Rank.R1>,
    tf.Variable<tf.Rank.R1>,
  ];
  // What a training step updates, in the order of the graph's outputs STATE_OUTPUTS.
  const state: tf.Variable[] = [...variables, m, v];
  let iterations = 0;

  /** Checks `x` and returns the number of images in it. */
  function batchOf(x: Images): number {
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
  function images(x: Images): tf.Tensor3D {
    const batch = batchOf(x);
    return x instanceof Float32Array ? tf.tensor3d(x, [batch, nSteps, nInputs]) : x;
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

  /** The batch in `shards` parts: part i holds examples [floor(i * batch / shards), floor((i + 1) * batch / shards)). */
  function shardBatch(x: Images, y: Labels): { xs: tf.Tensor3D[]; ys: tf.Tensor1D[] } {
    const batch = batchOf(x);
    const nLabels = y instanceof Int32Array ? y.length : y.shape[0];
    if (batch === 0) throw new Error('Expected a batch of at least one image, got none');
    if (nLabels !== batch) throw new Error(`Expected one label per image (${batch}), got ${nLabels} labels`);
    const bounds = Array.from({ length: shards + 1 }, (_, i) => Math.floor((i * batch) / shards));
    const sizes = bounds.slice(1).map((end, i) => end - (bounds[i] as number));
    const row = nSteps * nInputs;
    // From arrays, each part is made from its own slice (no copy in JS); tensors are split by TensorFlow.
    const xs =
      x instanceof Float32Array
        ? sizes.map((n, i) => tf.tensor3d(x.subarray(bounds[i]! * row, bounds[i + 1]! * row), [n, nSteps, nInputs]))
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

  function trainStep(x: Images, y: Labels): void {
    const { xs, ys } = shardBatch(x, y);
    const alpha = tf.scalar(adamAlpha(adam, iterations + 1));
    try {
      const [kernel, bias, weights, biases] = variables;
      const feeds: Record<string, tf.Tensor> = {
        kernel: kernel!,
        bias: bias!,
        weights: weights!,
        biases: biases!,
        m,
        v,
        alpha,
      };
      xs.forEach((part, i) => {
        feeds[`x${i}`] = part;
        feeds[`y${i}`] = ys[i] as tf.Tensor1D;
      });
      // assign takes the new value's data without a copy; the variable keeps it alive.
      session.run(feeds, STATE_OUTPUTS).forEach((value, i) => {
        (state[i] as tf.Variable).assign(value);
        value.dispose();
      });
      iterations += 1;
    } finally {
      tf.dispose([alpha, ...xs, ...ys]);
    }
  }

  const logitsOf = (x: tf.Tensor3D): tf.Tensor2D => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, x).states));

  return {
    config: { ...config },
    basicCell,
    logitsLayer,
    get iterations() {
      return iterations;
    },
    variables,
    logits: (x) => withInputs(x, null, logitsOf),
    logitsPerStep: (x) =>
      withInputs(x, null, (xt) => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, xt).outputs))),
    loss: (x, y) =>
      withInputs(x, y, (xt, yt) =>
        tf.tidy(
          () => tf.mean(sparseSoftmaxCrossEntropyWithLogits(yt as tf.Tensor1D, logitsOf(xt))).dataSync()[0] as number,
        ),
      ),
    trainStep,
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
      tf.dispose([m, v]);
      session.dispose();
    },
  };
}
