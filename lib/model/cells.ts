/**
 * TF-1's recurrent cells, in tfjs, under TF-1's names and with its initialisers:
 * `basicRNNCell` (the seed's `BasicRNNCell`), `basicLSTMCell` (`BasicLSTMCell`) and `gruCell`
 * (`GRUCell`). test/unit/model-reference.test.ts and test/unit/cells-reference.test.ts check each
 * against TensorFlow's own numbers for the same weights.
 *
 * Each cell computes a step as TF-1 does, from `concat([x, h]) @ kernel`, and `dynamicRnn`
 * (lib/model/nn.ts) runs it over the steps through `unroll()`: the kernel split once into its
 * input rows Wx and recurrent rows Wh, `concat([x, h]) @ kernel` taken as `x @ Wx + h @ Wh`. The
 * same sums in another order; it lets the inputs of every step be projected in one matMul, and
 * the split's gradient be one concat rather than one per step.
 */
import * as tf from '@tensorflow/tfjs-node';
import { positiveInteger } from '../checks';
import { glorotUniform, rngFor } from './init';

/** An element-wise activation, such as tf.tanh or tf.relu. */
export type Activation = (x: tf.Tensor) => tf.Tensor;

/** A cell's step in two parts, for a run over many steps. */
export interface UnrolledCell<State> {
  /**
   * The part of a step that does not depend on the state (`x @ Wx + bias`), for any number of
   * rows at once.
   * @param inputs [rows, inputSize]
   * @returns [rows, the cell's projection width]
   */
  project: (inputs: tf.Tensor2D) => tf.Tensor2D;
  /**
   * The rest of a step.
   * @param projected [batch, width], from `project`
   * @returns the output h [batch, numUnits] and the new state
   */
  step: (projected: tf.Tensor2D, state: State) => { output: tf.Tensor2D; state: State };
}

/** What `dynamicRnn` runs: TF-1's `RNNCell`. */
export interface RNNCell<State> {
  readonly numUnits: number;
  readonly inputSize: number;
  /** The trainable variables, in TF-1's order, by TF-1's names (`kernel`, `gates/kernel`…). */
  readonly variables: readonly { name: string; variable: tf.Variable }[];
  /** TF-1's `zero_state(batch_size)`. */
  zeroState(batch: number): State;
  /** The output h a state holds: what the classifier reads of the final state. */
  outputOf(state: State): tf.Tensor2D;
  /** The state with `output` as its h: how lib/model/row-gradients.ts reaches each step's h. */
  withOutput(state: State, output: tf.Tensor2D): State;
  /** One step, as TF-1's `cell(inputs, state)`. @param inputs [batch, inputSize] */
  call(inputs: tf.Tensor2D, state: State): { output: tf.Tensor2D; state: State };
  /** The step in two parts (see the top of this file). */
  unroll(): UnrolledCell<State>;
  dispose(): void;
}

/** A variable made from an initial value that is freed once the variable holds it. */
const variable = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make()));

/** `call` from `unroll`, for any cell. */
function callOf<State>(unroll: () => UnrolledCell<State>) {
  return (inputs: tf.Tensor2D, state: State): { output: tf.Tensor2D; state: State } =>
    tf.tidy(() => {
      const { project, step } = unroll();
      return step(project(inputs), state) as unknown as tf.TensorContainer;
    }) as unknown as { output: tf.Tensor2D; state: State };
}

/** The `inputSize` rows of a kernel [inputSize + numUnits, width] and the `numUnits` rows below. */
const splitKernel = (kernel: tf.Variable, inputSize: number, numUnits: number) =>
  tf.split(kernel, [inputSize, numUnits], 0) as [tf.Tensor2D, tf.Tensor2D];

/**
 * What TF-1's one-kernel cells (BasicRNNCell, BasicLSTMCell) share: a glorot-uniform kernel
 * [inputSize + numUnits, gates * numUnits] and a zero bias [gates * numUnits], named as TF-1 names them.
 */
function oneKernel(config: { numUnits: number; inputSize: number; seed?: number }, gates: number) {
  const numUnits = positiveInteger('numUnits', config.numUnits);
  const inputSize = positiveInteger('inputSize', config.inputSize);
  const kernel = variable(() => glorotUniform(inputSize + numUnits, gates * numUnits, rngFor(config.seed)));
  const bias = variable(() => tf.zeros([gates * numUnits]));
  return {
    numUnits,
    inputSize,
    kernel: kernel as tf.Variable<tf.Rank.R2>,
    bias: bias as tf.Variable<tf.Rank.R1>,
    variables: [
      { name: 'kernel', variable: kernel },
      { name: 'bias', variable: bias },
    ],
    dispose: () => tf.dispose([kernel, bias]),
  };
}

export interface BasicRNNCell extends RNNCell<tf.Tensor2D> {
  /** [inputSize + numUnits, numUnits]: input weights on top, recurrent weights below. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** [numUnits] */
  readonly bias: tf.Variable<tf.Rank.R1>;
}

/**
 * TF-1's `tf.contrib.rnn.BasicRNNCell(num_units, activation=tanh)`: one glorot-uniform kernel
 * and a zero bias; a step is `h = activation(concat([x, h]) @ kernel + bias)`, both the output
 * and the new state.
 */
export function basicRNNCell(config: {
  numUnits: number;
  inputSize: number;
  seed?: number;
  /** Default tf.tanh, as TF-1's. */
  activation?: Activation;
}): BasicRNNCell {
  const base = oneKernel(config, 1);
  const { numUnits, inputSize, kernel, bias } = base;
  const activation = config.activation ?? tf.tanh;
  const unroll = (): UnrolledCell<tf.Tensor2D> => {
    const [wx, wh] = splitKernel(kernel, inputSize, numUnits);
    return {
      project: (inputs) => tf.tidy(() => tf.add(tf.matMul(inputs, wx), bias)),
      step: (projected, state) =>
        tf.tidy(() => {
          const h = activation(tf.add(projected, tf.matMul(state, wh))) as tf.Tensor2D;
          return { output: h, state: h };
        }),
    };
  };
  return {
    ...base,
    zeroState: (batch) => tf.zeros([batch, numUnits]),
    outputOf: (state) => state,
    withOutput: (_state, output) => output,
    call: callOf(unroll),
    unroll,
  };
}

/** TF-1's `LSTMStateTuple(c, h)`: the cell's memory c and its output h, each [batch, numUnits]. */
export interface LSTMStateTuple {
  c: tf.Tensor2D;
  h: tf.Tensor2D;
}

export interface BasicLSTMCell extends RNNCell<LSTMStateTuple> {
  /** [inputSize + numUnits, 4 * numUnits]: the gates i, j, f, o side by side. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** [4 * numUnits] */
  readonly bias: tf.Variable<tf.Rank.R1>;
}

/**
 * TF-1's `tf.contrib.rnn.BasicLSTMCell(num_units, forget_bias=1.0)`: one glorot-uniform kernel
 * for the four gates and a zero bias. A step, with `[i, j, f, o]` the four quarters of
 * `concat([x, h]) @ kernel + bias`:
 *
 *   c' = c * sigmoid(f + forgetBias) + sigmoid(i) * tanh(j)
 *   h' = tanh(c') * sigmoid(o)
 */
export function basicLSTMCell(config: {
  numUnits: number;
  inputSize: number;
  /** Added to the forget gate, so that a new cell starts by remembering. Default 1, as TF-1's. */
  forgetBias?: number;
  seed?: number;
}): BasicLSTMCell {
  const base = oneKernel(config, 4);
  const { numUnits, inputSize, kernel, bias } = base;
  const forgetBias = config.forgetBias ?? 1;
  const unroll = (): UnrolledCell<LSTMStateTuple> => {
    const [wx, wh] = splitKernel(kernel, inputSize, numUnits);
    return {
      project: (inputs) => tf.tidy(() => tf.add(tf.matMul(inputs, wx), bias)),
      step: (projected, { c, h }) =>
        tf.tidy(() => {
          const [i, j, f, o] = tf.split(tf.add(projected, tf.matMul(h, wh)), 4, 1) as tf.Tensor2D[];
          const remembered = tf.mul(c, tf.sigmoid(tf.add(f!, forgetBias)));
          const newC = tf.add(remembered, tf.mul(tf.sigmoid(i!), tf.tanh(j!))) as tf.Tensor2D;
          const newH = tf.mul(tf.tanh(newC), tf.sigmoid(o!)) as tf.Tensor2D;
          return { output: newH, state: { c: newC, h: newH } };
        }),
    };
  };
  return {
    ...base,
    zeroState: (batch) => ({ c: tf.zeros([batch, numUnits]), h: tf.zeros([batch, numUnits]) }),
    outputOf: ({ h }) => h,
    withOutput: ({ c }, output) => ({ c, h: output }),
    call: callOf(unroll),
    unroll,
  };
}

export interface GRUCell extends RNNCell<tf.Tensor2D> {
  /** [inputSize + numUnits, 2 * numUnits]: the reset gate r and the update gate u. */
  readonly gatesKernel: tf.Variable<tf.Rank.R2>;
  /** [2 * numUnits], ones at first */
  readonly gatesBias: tf.Variable<tf.Rank.R1>;
  /** [inputSize + numUnits, numUnits] */
  readonly candidateKernel: tf.Variable<tf.Rank.R2>;
  /** [numUnits] */
  readonly candidateBias: tf.Variable<tf.Rank.R1>;
}

/**
 * TF-1's `tf.contrib.rnn.GRUCell(num_units)`: glorot-uniform kernels, a gates bias of ones (so
 * that both gates start mostly open) and a zero candidate bias. A step:
 *
 *   [r, u] = sigmoid(concat([x, h]) @ gatesKernel + gatesBias)
 *   c      = tanh(concat([x, r * h]) @ candidateKernel + candidateBias)
 *   h'     = u * h + (1 - u) * c
 */
export function gruCell(config: { numUnits: number; inputSize: number; seed?: number }): GRUCell {
  const numUnits = positiveInteger('numUnits', config.numUnits);
  const inputSize = positiveInteger('inputSize', config.inputSize);
  const random = rngFor(config.seed);
  const gatesKernel = variable(() => glorotUniform(inputSize + numUnits, 2 * numUnits, random));
  const gatesBias = variable(() => tf.ones<tf.Rank.R1>([2 * numUnits]));
  const candidateKernel = variable(() => glorotUniform(inputSize + numUnits, numUnits, random));
  const candidateBias = variable(() => tf.zeros<tf.Rank.R1>([numUnits]));
  const unroll = (): UnrolledCell<tf.Tensor2D> => {
    const [gx, gh] = splitKernel(gatesKernel, inputSize, numUnits);
    const [cx, ch] = splitKernel(candidateKernel, inputSize, numUnits);
    return {
      // The gates' and the candidate's input parts side by side: [rows, 3 * numUnits].
      project: (inputs) =>
        tf.tidy(
          () =>
            tf.concat(
              [tf.add(tf.matMul(inputs, gx), gatesBias), tf.add(tf.matMul(inputs, cx), candidateBias)],
              1,
            ) as tf.Tensor2D,
        ),
      step: (projected, h) =>
        tf.tidy(() => {
          const [gates, candidate] = tf.split(projected, [2 * numUnits, numUnits], 1) as [tf.Tensor2D, tf.Tensor2D];
          const [r, u] = tf.split(tf.sigmoid(tf.add(gates, tf.matMul(h, gh))), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
          const c = tf.tanh(tf.add(candidate, tf.matMul(tf.mul(r, h), ch)));
          const newH = tf.add(tf.mul(u, h), tf.mul(tf.sub(1, u), c)) as tf.Tensor2D;
          return { output: newH, state: newH };
        }),
    };
  };
  const weights = { gatesKernel, gatesBias, candidateKernel, candidateBias };
  return {
    numUnits,
    inputSize,
    ...(weights as Pick<GRUCell, keyof typeof weights>),
    variables: [
      { name: 'gates/kernel', variable: gatesKernel },
      { name: 'gates/bias', variable: gatesBias },
      { name: 'candidate/kernel', variable: candidateKernel },
      { name: 'candidate/bias', variable: candidateBias },
    ],
    zeroState: (batch) => tf.zeros([batch, numUnits]),
    outputOf: (state) => state,
    withOutput: (_state, output) => output,
    call: callOf(unroll),
    unroll,
    dispose: () => tf.dispose(Object.values(weights)),
  };
}
