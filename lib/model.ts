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
 * TensorFlow calls as much as into arithmetic. That graph's session holds the
 * variables it trains, as TF-1's does; the model's tfjs variables are copies
 * that are brought up to date when they are read through the model.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-node';
import { adamConfig } from './adam';
import { positiveInteger } from './checks';
import { createRng, randomSeed } from './random';
import { createSession } from './tf-graph';
import { trainingGraph, VARIABLES } from './training-graph';

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
  /**
   * The trainable variables, in TF-1's order: kernel, bias, weights, biases.
   * Training updates them in TensorFlow's session; reading them through the
   * model (here, `basicCell`, `logitsLayer` or any method) brings these tfjs
   * copies up to date, and a value assigned to one is what the next step
   * starts from. A reference kept from before a training step still shows the
   * old value until the model is read again.
   */
  readonly variables: readonly tf.Variable[];
  dispose(): void;
}

const READS = VARIABLES.map((name) => `${name}/read`);

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
  const cell = basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed: config.seed });
  const dense = fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: seed2 });
  const variables: tf.Variable[] = [cell.kernel, cell.bias, dense.weights, dense.biases];
  let iterations = 0;

  // Which values the session and the tfjs variables last agreed on, by each variable's data
  // (assign gives a variable new data, so a changed one is seen), and whether the session
  // has trained since.
  let agreed: readonly object[] = [];
  let sessionAhead = false;
  const agree = () => (agreed = variables.map((v) => v.dataId));
  /** Sends the variables assigned in tfjs since the session and they last agreed. */
  function pushAssigned(): void {
    const changed = VARIABLES.flatMap((_, i) => (variables[i]!.dataId === agreed[i] ? [] : [i]));
    if (changed.length === 0) return;
    const feeds = Object.fromEntries(changed.map((i) => [`${VARIABLES[i]}/value`, variables[i]!]));
    tf.dispose(
      session.run(
        feeds,
        changed.map((i) => `${VARIABLES[i]}/assign`),
      ),
    );
    agreed = variables.map((v, i) => (changed.includes(i) ? v.dataId : agreed[i]!));
  }
  /** Makes the tfjs variables and the session agree: assigned in tfjs, then trained in the session. */
  function sync(): void {
    pushAssigned();
    if (!sessionAhead) return;
    // assign takes the fetched value's data without a copy; the variable keeps it alive.
    session.run({}, READS).forEach((value, i) => {
      variables[i]!.assign(value);
      value.dispose();
    });
    agree();
    sessionAhead = false;
  }
  tf.dispose(
    session.run(Object.fromEntries(VARIABLES.map((name, i) => [`${name}/value`, variables[i]!])), ['initialize']),
  );
  agree();
  // The model's cell and layer read the session's latest values whenever they are used.
  const basicCell: BasicRNNCell = {
    numUnits: cell.numUnits,
    inputSize: cell.inputSize,
    get kernel() {
      sync();
      return cell.kernel;
    },
    get bias() {
      sync();
      return cell.bias;
    },
    call: (inputs, state) => (sync(), cell.call(inputs, state)),
    dispose: () => cell.dispose(),
  };
  const logitsLayer: FullyConnected = {
    get weights() {
      sync();
      return dense.weights;
    },
    get biases() {
      sync();
      return dense.biases;
    },
    apply: (inputs) => (sync(), dense.apply(inputs)),
    dispose: () => dense.dispose(),
  };

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

  /**
   * Runs the training graph on a batch, in its shards, for one output (a float32 scalar),
   * after sending what was assigned in tfjs; the caller disposes the result.
   */
  function runOnBatch(x: Images, y: Labels, output: 'trainStep' | 'loss' | 'accuracy'): tf.Tensor {
    const { xs, ys } = shardBatch(x, y);
    const feeds: Record<string, tf.Tensor> = {};
    xs.forEach((part, i) => {
      feeds[`x${i}`] = part;
      feeds[`y${i}`] = ys[i] as tf.Tensor1D;
    });
    try {
      pushAssigned();
      return session.run(feeds, [output])[0] as tf.Tensor;
    } finally {
      tf.dispose(Object.values(feeds));
    }
  }

  function trainStep(x: Images, y: Labels): void {
    runOnBatch(x, y, 'trainStep').dispose();
    sessionAhead = true;
    iterations += 1;
  }

  /**
   * The batch's loss or accuracy from the training graph's forward pass alone: one call into
   * TensorFlow with the shards side by side, where eager tfjs would make about 150.
   */
  function evaluate(x: Images, y: Labels, output: 'loss' | 'accuracy'): number {
    const value = runOnBatch(x, y, output);
    try {
      return value.dataSync()[0] as number;
    } finally {
      value.dispose();
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
    get variables() {
      sync();
      return variables;
    },
    logits: (x) => withInputs(x, null, logitsOf),
    logitsPerStep: (x) =>
      withInputs(x, null, (xt) => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, xt).outputs))),
    loss: (x, y) => evaluate(x, y, 'loss'),
    trainStep,
    accuracy: (x, y) => evaluate(x, y, 'accuracy'),
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
      cell.dispose();
      dense.dispose();
      session.dispose();
    },
  };
}
