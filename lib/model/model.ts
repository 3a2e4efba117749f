/**
 * The seed's In[4] as one object: the cell and dense layer of lib/model/nn.ts, the loss,
 * Adam and the accuracy.
 *
 * Training runs as TF-1's does: `createModel` builds the training step once as a
 * TensorFlow graph (lib/model/training-graph.ts), whose session holds the variables it
 * trains, and each `trainStep` is one call into it, because on a model this small the
 * time goes into the number of TensorFlow calls as much as into arithmetic.
 *
 * The layers' tfjs variables, which the eager side reads (`logits`, the notebook's
 * `dynamicRnn(model.basicCell, x)`, the charts), are copies of the session's, kept equal
 * in the only two places where either changes: each `trainStep` fetches the values it
 * has just trained and gives them to the tfjs variables, and `setVariables` writes new
 * values to both. A read never has to sync, and there is no other way to write.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-node';
import { positiveInteger } from '../checks';
import { createSession, type GraphSession } from '../graph';
import { adamConfig } from './adam';
import { shardBatch, withImages, type ImageShape, type Images, type Labels } from './inputs';
import { basicRNNCell, dynamicRnn, fullyConnected, type BasicRNNCell, type FullyConnected } from './nn';
import { trainingGraph, VARIABLES, variableShapes, type VariableName } from './training-graph';

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
   * by side, one per TensorFlow inter-op thread (lib/model/training-graph.ts).
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

/** New values for some of the trainable variables, by name; each of its variable's shape. */
export type VariableValues = Partial<Record<VariableName, tf.Tensor | tf.TensorLike>>;

export interface Model {
  readonly config: ModelConfig;
  /** The RNN cell; its `kernel` and `bias` hold the session's values at every moment. */
  readonly basicCell: BasicRNNCell;
  /** The dense layer; its `weights` and `biases` hold the session's values at every moment. */
  readonly logitsLayer: FullyConnected;
  /** Adam steps taken so far (TF-1's `t`). */
  readonly iterations: number;
  /**
   * The trainable variables, in TF-1's order: kernel, bias, weights, biases (the same
   * objects as the layers'). Each `trainStep` gives them its new values. Write them
   * with `setVariables`: a value assigned to one directly never reaches the session.
   */
  readonly variables: readonly tf.Variable[];
  /**
   * Gives the named variables new values, in the session and in the tfjs copies, as
   * TF-1's `Variable.load` does: Adam's slots and step count are kept. All values are
   * checked before any is written.
   */
  setVariables(values: VariableValues): void;
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
  /** Mean cross-entropy, as a number. @param x [batch, nSteps, nInputs] @param y [batch] */
  loss(x: Images, y: Labels): number;
  /** One Adam step on one batch (the seed's `training_op`), as TF-1's AdamOptimizer takes it. */
  trainStep(x: Images, y: Labels): void;
  /** Share of examples whose label is the top logit. @param x [batch, nSteps, nInputs] @param y [batch] */
  accuracy(x: Images, y: Labels): number;
  /** @returns [batch] the predicted classes */
  predict(x: Images): Int32Array;
  dispose(): void;
}

/** Builds the seed's In[4]: cell, dynamic RNN, logits, loss, Adam, accuracy. */
export function createModel(config: ModelConfig): Model {
  const [nSteps, nInputs, nNeurons, nOutputs] = (['nSteps', 'nInputs', 'nNeurons', 'nOutputs'] as const).map((name) =>
    positiveInteger(name, config[name]),
  ) as [number, number, number, number];
  const adam = adamConfig({ learningRate: config.learningRate });
  const shards = positiveInteger('shards', config.shards ?? defaultShards());
  // The session first: if TensorFlow refuses the graph, no tensors have been made yet.
  const session = createSession(trainingGraph({ nSteps, nInputs, nNeurons, nOutputs, adam, shards }));
  const { basicCell, logitsLayer } = initialLayers(nInputs, nNeurons, nOutputs, config.seed);
  const variables: tf.Variable[] = [basicCell.kernel, basicCell.bias, logitsLayer.weights, logitsLayer.biases];
  const shape: ImageShape = { nSteps, nInputs };
  const training = sessionOf(session, variables, shape, shards);
  let iterations = 0;
  return {
    config: { ...config },
    basicCell,
    logitsLayer,
    variables,
    get iterations() {
      return iterations;
    },
    setVariables: (values) => training.setVariables(checkedValues(values, variableShapes(config))),
    trainStep(x, y) {
      training.trainStep(x, y);
      iterations += 1;
    },
    loss: (x, y) => training.evaluate(x, y, 'loss'),
    accuracy: (x, y) => training.evaluate(x, y, 'accuracy'),
    ...eagerForward(basicCell, logitsLayer, shape),
    dispose() {
      basicCell.dispose();
      logitsLayer.dispose();
      session.dispose();
    },
  };
}

const TRAIN_FETCHES = ['trainStep', ...VARIABLES.map((name) => `${name}/trained`)];

/**
 * The training graph's session with the tfjs `variables` it trains, kept equal to its own in
 * the two calls that change either: `trainStep` and `setVariables`.
 */
function sessionOf(session: GraphSession, variables: tf.Variable[], shape: ImageShape, shards: number) {
  tf.dispose(
    session.run(Object.fromEntries(VARIABLES.map((name, i) => [`${name}/value`, variables[i]!])), ['initialize']),
  );
  /** Runs the graph on the batch, in its shards, for `fetches`; the caller frees the results. */
  function run(x: Images, y: Labels, fetches: readonly string[]): tf.Tensor[] {
    const { xs, ys } = shardBatch(x, y, shape, shards);
    const feeds = Object.fromEntries(
      xs.flatMap((part, i) => [
        [`x${i}`, part],
        [`y${i}`, ys[i] as tf.Tensor],
      ]),
    );
    try {
      return session.run(feeds, fetches);
    } finally {
      tf.dispose(Object.values(feeds));
    }
  }
  return {
    trainStep(x: Images, y: Labels): void {
      const [loss, ...trained] = run(x, y, TRAIN_FETCHES);
      loss?.dispose();
      // assign takes the fetched value's data without a copy; the variable keeps it alive.
      trained.forEach((value, i) => (variables[i]!.assign(value), value.dispose()));
    },
    /** The batch's loss or accuracy from the graph's forward pass: one call, the shards side by side. */
    evaluate(x: Images, y: Labels, output: 'loss' | 'accuracy'): number {
      const [value] = run(x, y, [output]) as [tf.Tensor];
      try {
        return value.dataSync()[0] as number;
      } finally {
        value.dispose();
      }
    },
    setVariables({ checked, made }: ReturnType<typeof checkedValues>): void {
      for (const { index, value } of checked) {
        const name = VARIABLES[index] as VariableName;
        tf.dispose(session.run({ [`${name}/value`]: value }, [`${name}/assign`]));
        variables[index]!.assign(value);
      }
      tf.dispose(made);
    },
  };
}

/** The model's eager forward pass through the layers' tfjs variables, for what the training graph does not give. */
function eagerForward(
  basicCell: BasicRNNCell,
  logitsLayer: FullyConnected,
  shape: ImageShape,
): Pick<Model, 'logits' | 'logitsPerStep' | 'predict'> {
  const logitsOf = (x: tf.Tensor3D) => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, x).states));
  return {
    logits: (x) => withImages(x, shape, logitsOf),
    logitsPerStep: (x) =>
      withImages(x, shape, (xt) => tf.tidy(() => logitsLayer.apply(dynamicRnn(basicCell, xt).outputs))),
    predict: (x) =>
      withImages(x, shape, (xt) => {
        const classes = tf.tidy(() => tf.argMax(logitsOf(xt), 1));
        try {
          return classes.dataSync() as Int32Array;
        } finally {
          classes.dispose();
        }
      }),
  };
}

/**
 * TF-1's layers with their initial weights. Different random streams for the two, both fixed
 * by one seed: Math.imul keeps the low 32 bits of the product exactly, where a float product
 * loses them for large seeds.
 */
function initialLayers(nInputs: number, nNeurons: number, nOutputs: number, seed: number | undefined) {
  const seed2 = seed === undefined ? undefined : (Math.imul(seed, 2654435761) + 1) >>> 0;
  return {
    basicCell: basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed }),
    logitsLayer: fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: seed2 }),
  };
}

/**
 * `values` as float32 tensors of their variables' shapes, by index in `VARIABLES`, and those of
 * them made here (the caller frees them). Throws, naming the variable, if one is wrong.
 */
function checkedValues(
  values: VariableValues,
  shapes: number[][],
): { checked: { index: number; value: tf.Tensor }[]; made: tf.Tensor[] } {
  const made: tf.Tensor[] = [];
  try {
    const checked = Object.entries(values).map(([name, given]) => {
      const index = VARIABLES.indexOf(name as VariableName);
      if (index < 0) throw new Error(`Expected variables named ${VARIABLES.join(', ')}, got \`${name}\``);
      const want = shapes[index] as number[];
      let value = given instanceof tf.Tensor ? given : tf.tensor(given as tf.TensorLike, undefined, 'float32');
      if (value !== given) made.push(value);
      // A flat array of the right length, as `dataSync()` gives, takes the variable's shape.
      if (value !== given && value.rank === 1 && want.length > 1 && value.size === tf.util.sizeFromShape(want)) {
        value = value.reshape(want);
        made.push(value);
      }
      if (value.shape.join() !== want.join() || value.dtype !== 'float32') {
        throw new Error(
          `Expected \`${name}\` to be float32 of shape [${want.join(', ')}], got ${value.dtype} of shape [${value.shape.join(', ')}]`,
        );
      }
      return { index, value };
    });
    return { checked, made };
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}
