/**
 * The seed's In[4] as one object: the cell and dense layer of lib/model/nn.ts, the loss, TF-1's
 * Adam (lib/model/adam.ts) and the accuracy, written once, in tfjs.
 *
 * The weights have one owner: the layers' tfjs variables. Everything reads them there (the
 * forward pass, the charts, `variables`) and everything that changes them writes them there.
 *
 * A training step is ordinary eager tfjs code: the forward pass, tfjs's gradients of the loss
 * (`tf.variableGrads`), and Adam's update. The tracer (tracer/) records that step once, on the
 * first batch of each shape, as one TensorFlow graph; each `trainStep` is then one call into
 * TensorFlow that takes the variables' values and gives back their new ones. On a model this
 * small an eager step spends most of its time dispatching some 800 kernels one by one, so the
 * graph is several times as fast (bench/README.md). Change the layers, and what trains changes.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-node';
import { traceStep, type TraceInfo } from '../../tracer';
import { positiveInteger } from '../checks';
import { adamConfig, adamOptimizer, type AdamOptimizer } from './adam';
import { withBatch, withImages, type ImageShape, type Images, type Labels } from './inputs';
import {
  basicLSTMCell,
  basicRNNCell,
  gruCell,
  type Activation,
  type BasicLSTMCell,
  type BasicRNNCell,
  type GRUCell,
  type RNNCell,
} from './cells';
import { chunkedSteps, type ChunkedSteps } from './chunked';
import { clipByGlobalNorm } from './clip';
import { inShards } from './shards';
import { dynamicRnn, fullyConnected, inTopK, sparseSoftmaxCrossEntropyWithLogits, type FullyConnected } from './nn';

/** The basic model's trainable variables' names, in TF-1's order (`tf.trainable_variables()`). */
export const VARIABLES = ['kernel', 'bias', 'weights', 'biases'] as const;

/** The cells a model can have: TF-1's BasicRNNCell (the seed's), BasicLSTMCell and GRUCell. */
export interface Cells {
  basic: BasicRNNCell;
  lstm: BasicLSTMCell;
  gru: GRUCell;
}
export type CellKind = keyof Cells;

/** The seed's In[3] constants, and the choices beyond the seed. */
export interface ModelConfig<Kind extends CellKind = CellKind> {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  learningRate: number;
  /** Fixes the initial weights; the same seed gives the same run. */
  seed?: number;
  /** The cell, as TF-1's `BasicRNNCell`, `BasicLSTMCell` or `GRUCell`; default 'basic', the seed's. */
  cell?: Kind;
  /** The basic cell's activation, as TF-1's `BasicRNNCell(activation=...)`; default tf.tanh. */
  activation?: Activation;
  /**
   * Clips the gradients before each Adam step as TF-1's `tf.clip_by_global_norm(grads, clipNorm)`:
   * scaled down together when their global norm exceeds it. Default: no clipping, as the seed.
   */
  clipNorm?: number;
  /**
   * Parts the training step splits each batch into, each its own chain through the steps, so
   * that TensorFlow runs them side by side, one per inter-op thread. The loss is their mean, the
   * batch's: only float rounding changes. Default `defaultShards()`.
   */
  shards?: number;
  /**
   * Steps of the sequence each graph call runs, carrying the state from one call to the next
   * (lib/model/chunked.ts); the gradient still flows back through every step. Default `nSteps`:
   * the whole sequence in one graph, best for the seed's 28 rows. For hundreds of steps a whole
   * graph takes minutes to build, and chunks of a few dozen steps take seconds.
   */
  chunkSteps?: number;
}

/**
 * 2 where TensorFlow has at least two inter-op threads to run two shards on
 * (TF_NUM_INTEROP_THREADS, by default the number of cores), else 1. On these 2 cores a traced
 * step of 50 took the same time as the earlier hand-built one with two shards, and 1.27 times
 * as long with one (bench/README.md); more cores were not available to measure, so it stops at 2.
 */
export function defaultShards(): number {
  const threads = Number(process.env.TF_NUM_INTEROP_THREADS) || os.cpus().length;
  return threads >= 2 ? 2 : 1;
}

/** New values for some of the trainable variables, by name (`variableNames`); each of its variable's shape. */
export type VariableValues = Partial<Record<string, tf.Tensor | tf.TensorLike>>;

export interface Model<Cell extends Cells[CellKind] = BasicRNNCell> {
  readonly config: ModelConfig;
  /** The recurrent cell (the seed's `basic_cell`): its variables are the model's weights, trained in place. */
  readonly cell: Cell;
  /** The dense layer: its `weights` and `biases` are the model's weights, trained in place. */
  readonly logitsLayer: FullyConnected;
  /** Adam steps taken so far (TF-1's `t`). */
  readonly iterations: number;
  /** The trainable variables, in TF-1's order: the cell's, then the dense layer's; the layers' own objects. */
  readonly variables: readonly tf.Variable[];
  /** Their names, in the same order: `kernel, bias, weights, biases` for the basic and LSTM cells. */
  readonly variableNames: readonly string[];
  /** Gives the named variables new values, checked first, as TF-1's `Variable.load`; Adam's state is kept. */
  setVariables(values: VariableValues): void;
  /** @param x [batch, nSteps, nInputs] @returns [batch, nOutputs] */
  logits(x: Images): tf.Tensor2D;
  /**
   * The dense layer applied to every intermediate state: how the belief forms row by row.
   * The last step equals `logits(x)`.
   * @param x [batch, nSteps, nInputs]
   * @returns [batch, nSteps, nOutputs]
   */
  logitsPerStep(x: Images): tf.Tensor3D;
  /** Mean cross-entropy, as a number. @param x [batch, nSteps, nInputs] @param y [batch] */
  loss(x: Images, y: Labels): number;
  /**
   * The gradient of the mean cross-entropy with respect to each variable, in `variables` order,
   * by tfjs's autodiff, run as one graph call. The caller disposes them.
   */
  gradients(x: Images, y: Labels): tf.Tensor[];
  /** One Adam step on one batch (the seed's `training_op`), as TF-1's AdamOptimizer takes it. */
  trainStep(x: Images, y: Labels): void;
  /** Share of examples whose label is the top logit. @param x [batch, nSteps, nInputs] @param y [batch] */
  accuracy(x: Images, y: Labels): number;
  /** @returns [batch] the predicted classes */
  predict(x: Images): Int32Array;
  /** The training step's traces, one per batch shape: the graph's size and the time it took. */
  readonly traces: readonly TraceInfo[];
  dispose(): void;
}

/** A model of any cell: what code that trains or reads any of them takes. */
export type AnyModel = Model<Cells[CellKind]>;

/** Builds the seed's In[4]: cell, dynamic RNN, logits, loss, Adam, accuracy. */
export function createModel<Kind extends CellKind = 'basic'>(config: ModelConfig<Kind>): Model<Cells[Kind]> {
  const [nSteps, nInputs, nNeurons, nOutputs] = (['nSteps', 'nInputs', 'nNeurons', 'nOutputs'] as const).map((name) =>
    positiveInteger(name, config[name]),
  ) as [number, number, number, number];
  const adam = adamConfig({ learningRate: config.learningRate }); // checked before any tensor is made
  const shards = positiveInteger('shards', config.shards ?? defaultShards());
  const clipNorm = config.clipNorm;
  if (clipNorm !== undefined && !(clipNorm > 0)) {
    throw new Error(`Expected \`clipNorm\` to be a positive number, got ${clipNorm}`);
  }
  const { cell, logitsLayer } = initialLayers(nInputs, nNeurons, nOutputs, config);
  const named = [
    ...cell.variables,
    { name: 'weights', variable: logitsLayer.weights },
    { name: 'biases', variable: logitsLayer.biases },
  ];
  const variables = named.map((v) => v.variable);
  const optimizer = adamOptimizer(adam, variables);
  const shape: ImageShape = { nSteps, nInputs };
  const chunkSteps = positiveInteger('chunkSteps', config.chunkSteps ?? nSteps);
  const { training, gradients, forward } =
    chunkSteps < nSteps
      ? chunked(chunkedSteps({ cell, logitsLayer, optimizer, chunkSteps, shards, clipNorm }))
      : steps(forwardOf(cell, logitsLayer), variables, optimizer, { shards, clipNorm });
  let iterations = 0;
  return {
    config: { ...config },
    cell: cell as unknown as Cells[Kind],
    logitsLayer,
    variables,
    variableNames: named.map((v) => v.name),
    get iterations() {
      return iterations;
    },
    get traces() {
      return training.traces;
    },
    setVariables: (values) => setVariables(named, values),
    trainStep(x, y) {
      withBatch(x, y, shape, training);
      iterations += 1;
    },
    gradients: (x, y) => withBatch(x, y, shape, gradients),
    loss: (x, y) =>
      withBatch(x, y, shape, (xt, yt) =>
        readScalar(tf.tidy(() => tf.mean(sparseSoftmaxCrossEntropyWithLogits(yt, forward(xt))))),
      ),
    ...reads(forward, cell, logitsLayer, shape),
    dispose() {
      training.dispose();
      gradients.dispose();
      optimizer.dispose();
      cell.dispose();
      logitsLayer.dispose();
    },
  };
}

/**
 * The model's loss, and its two traced steps: the gradients alone, and the training step (the
 * gradients, clipped if asked, then Adam).
 */
function steps(
  forward: (x: tf.Tensor3D) => tf.Tensor2D,
  variables: tf.Variable[],
  optimizer: AdamOptimizer,
  { shards, clipNorm }: { shards: number; clipNorm: number | undefined },
) {
  // The seed's `loss = tf.reduce_mean(xentropy)`, over the batch taken in `shards` parts.
  const lossOf = (x: tf.Tensor3D, y: tf.Tensor1D) =>
    tf.tidy(
      () =>
        tf.mean(
          inShards([x, y], shards, (xs: tf.Tensor3D, ys: tf.Tensor1D) =>
            sparseSoftmaxCrossEntropyWithLogits(ys, forward(xs)),
          ),
        ) as tf.Scalar,
    );
  const gradientsOf = (x: tf.Tensor3D, y: tf.Tensor1D) => {
    const { value, grads } = tf.variableGrads(() => lossOf(x, y), variables);
    value.dispose();
    return variables.map((v) => grads[v.name] as tf.Tensor);
  };
  const training = traceStep((x: tf.Tensor3D, y: tf.Tensor1D) => {
    tf.tidy(() => {
      const grads = gradientsOf(x, y);
      optimizer.applyGradients(clipNorm === undefined ? grads : clipByGlobalNorm(grads, clipNorm).clipped);
    });
  });
  const gradients = traceStep(gradientsOf);
  return { training, gradients, forward };
}

/** The chunked steps in the shape of `steps`' result. */
function chunked(steps: ChunkedSteps) {
  return {
    training: Object.defineProperties(steps.train, {
      traces: { get: () => steps.traces },
      dispose: { value: () => steps.dispose() },
    }) as typeof steps.train & { readonly traces: readonly TraceInfo[]; dispose(): void },
    gradients: Object.assign(steps.gradients, { dispose: () => undefined }),
    forward: steps.logits,
  };
}

/** The logits of images: the dense layer on the cell's final h. @param x [batch, nSteps, nInputs] */
function forwardOf(cell: RNNCell<unknown>, logitsLayer: FullyConnected): (x: tf.Tensor3D) => tf.Tensor2D {
  return (x) => logitsLayer.apply(cell.outputOf(dynamicRnn(cell, x).states));
}

/**
 * What the model reads from the layers' variables, for as many images at a time as given:
 * through `forward` (eager, or chunk by chunk for a chunked model), and every step's logits eagerly.
 */
function reads(
  forward: (x: tf.Tensor3D) => tf.Tensor2D,
  cell: RNNCell<unknown>,
  logitsLayer: FullyConnected,
  shape: ImageShape,
): Pick<Model, 'accuracy' | 'logits' | 'logitsPerStep' | 'predict'> {
  return {
    accuracy: (x, y) =>
      withBatch(x, y, shape, (xt, yt) =>
        readScalar(tf.tidy(() => tf.mean(tf.cast(inTopK(forward(xt), yt, 1), 'float32')))),
      ),
    logits: (x) => withImages(x, shape, (xt) => tf.tidy(() => forward(xt))),
    logitsPerStep: (x) => withImages(x, shape, (xt) => tf.tidy(() => logitsLayer.apply(dynamicRnn(cell, xt).outputs))),
    predict: (x) =>
      withImages(x, shape, (xt) => {
        const classes = tf.tidy(() => tf.argMax(forward(xt), 1));
        try {
          return classes.dataSync() as Int32Array;
        } finally {
          classes.dispose();
        }
      }),
  };
}

function readScalar(t: tf.Tensor): number {
  try {
    return t.dataSync()[0] as number;
  } finally {
    t.dispose();
  }
}

/**
 * TF-1's layers with their initial weights. Different random streams for the two, both fixed
 * by one seed: Math.imul keeps the low 32 bits of the product exactly, where a float product
 * loses them for large seeds.
 */
function initialLayers(nInputs: number, nNeurons: number, nOutputs: number, config: ModelConfig) {
  const { seed, activation } = config;
  const seed2 = seed === undefined ? undefined : (Math.imul(seed, 2654435761) + 1) >>> 0;
  const kind = config.cell ?? 'basic';
  const cells = {
    basic: () => basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed, activation }),
    lstm: () => basicLSTMCell({ numUnits: nNeurons, inputSize: nInputs, seed }),
    gru: () => gruCell({ numUnits: nNeurons, inputSize: nInputs, seed }),
  };
  if (!(kind in cells)) throw new Error(`Expected \`cell\` to be 'basic', 'lstm' or 'gru', got ${String(kind)}`);
  if (activation !== undefined && kind !== 'basic') {
    throw new Error(`Expected \`activation\` only with the basic cell (TF-1's BasicRNNCell), got it with '${kind}'`);
  }
  // Any cell, for the code that runs all three alike (TypeScript cannot join their state types).
  const cell = cells[kind]() as unknown as RNNCell<unknown>;
  return {
    cell,
    logitsLayer: fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: seed2 }),
  };
}

/**
 * Assigns `values` to the `named` variables. All are checked before any is written; throws,
 * naming the variable, if one is wrong.
 */
function setVariables(named: readonly { name: string; variable: tf.Variable }[], values: VariableValues): void {
  const variables = named.map((v) => v.variable);
  tf.tidy(() => {
    const checked = Object.entries(values).map(([name, given]) => {
      const index = named.findIndex((v) => v.name === name);
      if (index < 0)
        throw new Error(`Expected variables named ${named.map((v) => v.name).join(', ')}, got \`${name}\``);
      const want = (variables[index] as tf.Variable).shape;
      let value = given instanceof tf.Tensor ? given : tf.tensor(given as tf.TensorLike, undefined, 'float32');
      // A flat array of the right length, as `dataSync()` gives, takes the variable's shape.
      if (value !== given && value.rank === 1 && want.length > 1 && value.size === tf.util.sizeFromShape(want)) {
        value = value.reshape(want);
      }
      if (value.shape.join() !== want.join() || value.dtype !== 'float32') {
        throw new Error(
          `Expected \`${name}\` to be float32 of shape [${want.join(', ')}], got ${value.dtype} of shape [${value.shape.join(', ')}]`,
        );
      }
      return { index, value };
    });
    // A copy, so that the variable does not share its data with a tensor the caller may dispose.
    for (const { index, value } of checked) (variables[index] as tf.Variable).assign(tf.add(value, 0));
  });
}
