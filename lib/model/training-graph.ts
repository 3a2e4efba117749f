/**
 * The seed's `training_op` as one TensorFlow graph: the RNN's forward pass,
 * its backward pass written out by hand (backpropagation through time), and
 * TF-1's Adam update, so that a training step is one call into TensorFlow.
 *
 * With h_t = tanh([x_t, h_{t-1}] @ kernel + bias), h_{-1} = 0, and
 * logits = h_T @ weights + biases:
 *   dLogits = (softmax(logits) - oneHot(y)) / batch
 *   dh_T    = dLogits @ weights^T
 *   dz_t    = dh_t * (1 - h_t^2),   dh_{t-1} = dz_t @ Wh^T   (Wh: the kernel's lower rows)
 *   dKernel = sum_t [x_t, h_{t-1}]^T @ dz_t,   dBias = sum over t and batch of dz_t
 *
 * Each step's 28 recurrent matMuls depend on one another, so one chain of
 * them keeps one core busy. The batch therefore comes in `shards`: each
 * shard's forward and backward pass is its own chain, TensorFlow runs the
 * chains side by side on its inter-op threads, and their gradients add up to
 * the gradient of the whole batch's mean loss.
 *
 * As in TF-1, the weights and Adam's two slots of each (`kernel/Adam`,
 * `kernel/Adam_1`, ...) are variables of the session, updated in place by
 * TensorFlow's fused ResourceApplyAdam kernel: a step feeds only its batch.
 */
import { AdamConfig } from './adam';
import { Graph, graphOps, GraphOps, Output, Target } from '../graph';

export interface TrainingGraphConfig {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  adam: Required<AdamConfig>;
  /** Parts of the batch whose passes run side by side (1 or more). */
  shards: number;
}

/** The trainable variables, in TF-1's order. */
export const VARIABLES = ['kernel', 'bias', 'weights', 'biases'] as const;
export type VariableName = (typeof VARIABLES)[number];

/** The shape of each variable, in the order of `VARIABLES`. */
export function variableShapes(c: { nInputs: number; nNeurons: number; nOutputs: number }): number[][] {
  return [[c.nInputs + c.nNeurons, c.nNeurons], [c.nNeurons], [c.nNeurons, c.nOutputs], [c.nOutputs]];
}

/**
 * Builds the graph of one training step, with its variables.
 *
 * Inputs: for each shard i, `x{i}` [shardBatch, nSteps, nInputs] and `y{i}`
 * [shardBatch] int32 (a shard may be empty); and for each variable of
 * `VARIABLES`, `{name}/value`, a value to give it (`kernel` [nInputs + nNeurons, nNeurons], `bias` [nNeurons],
 * `weights` [nNeurons, nOutputs], `biases` [nOutputs]).
 *
 * Outputs, each a float32 to fetch:
 * - `initialize`: gives every variable its `{name}/value`, zeroes its Adam slots and
 *   starts Adam's `beta1_power` and `beta2_power` at beta1 and beta2;
 * - `{name}/assign`: gives the variable its `{name}/value`, keeping its slots (TF-1's `Variable.load`);
 * - `{name}/read`: the variable's value;
 * - `loss`, the batch's mean cross-entropy, and `dKernel`, `dBias`, `dWeights`,
 *   `dBiases`, its gradients, from the current values, changing nothing;
 * - `accuracy`, the share of the batch whose label is the top logit (ties count as
 *   in, as in TF-1's `in_top_k`), from the forward pass alone;
 * - `trainStep`: the loss, after one Adam step on every variable;
 * - `{name}/trained`: the variable's value after that step, fetched in the same run as
 *   `trainStep` (fetched alone, it takes the step too).
 */
export function trainingGraph(config: TrainingGraphConfig): Graph {
  const { nInputs, nNeurons, shards } = config;
  if (!Number.isInteger(shards) || shards < 1)
    throw new Error(`Expected \`shards\` to be a positive integer, got ${shards}`);
  const g = new Graph();
  const ops = graphOps(g);
  const variables = sessionVariables(g, ops, variableShapes(config));
  const [kernel, bias, weights, biases] = variables.map((v) => v.value) as [Output, Output, Output, Output];
  const [wx, wh] = ops.split(kernel, [nInputs, nNeurons], 0) as [Output, Output];
  const xs = Array.from({ length: shards }, (_, i) => g.placeholder(`x${i}`, 'float', [-1, config.nSteps, nInputs]));
  const ys = Array.from({ length: shards }, (_, i) => g.placeholder(`y${i}`, 'int32', [-1]));
  const batch = ops.addN(ys.map(ops.sizeAsFloat));

  const parts = xs.map((x, i) =>
    backprop(ops, config, { x, y: ys[i] as Output, wx, wh, bias, weights, biases }, batch),
  );
  const total = (key: keyof (typeof parts)[number]) => ops.addN(parts.map((p) => p[key]));
  const loss = g.name(ops.div(total('xentropy'), batch), 'loss');
  g.name(ops.div(total('correct'), batch), 'accuracy');
  const gradients = (['dKernel', 'dBias', 'dWeights', 'dBiases'] as const).map((key) => g.name(total(key), key));

  const adam = adamStep(g, ops, config.adam, variables, gradients);
  g.name(loss, 'trainStep', 'float', adam.step);
  variables.forEach((v) => g.name(ops.readVariable(v.variable, adam.step), `${v.name}/trained`));
  const initialize = [...variables.flatMap((v) => [v.assign, ...v.zeroSlots]), ...adam.initialize];
  g.name(g.constant(0), 'initialize', 'float', initialize);
  return g;
}

/** A trainable variable of the session, with Adam's two slots, and the nodes that set and read it. */
interface SessionVariable {
  name: VariableName;
  variable: Output;
  slots: readonly [m: Output, v: Output];
  /** Gives it `{name}/value`. */
  assign: Target;
  /** Zeroes its slots. */
  zeroSlots: Target[];
  /** Its current value. */
  value: Output;
}

/** The variables of `VARIABLES`, each with its slots, its `{name}/value` feed and its `{name}/assign` and `{name}/read` outputs. */
function sessionVariables(g: Graph, ops: GraphOps, shapes: number[][]): SessionVariable[] {
  const done = g.constant(0);
  return VARIABLES.map((name, i) => {
    const shape = shapes[i] as number[];
    const variable = ops.variable(name, shape);
    const slots = [ops.variable(`${name}/Adam`, shape), ops.variable(`${name}/Adam_1`, shape)] as const;
    const fed = g.placeholder(`${name}/value`, 'float', shape);
    const assign = ops.assignVariable(variable, fed);
    g.name(done, `${name}/assign`, 'float', [assign]);
    const zeroSlots = slots.map((slot) => ops.assignVariable(slot, ops.zerosLike(fed)));
    const value = ops.readVariable(variable);
    g.name(value, `${name}/read`);
    return { name, variable, slots, assign, zeroSlots, value };
  });
}

/** What one shard's passes read: its batch, and the weights (the kernel split into Wx and Wh). */
interface ShardInputs {
  x: Output;
  y: Output;
  wx: Output;
  wh: Output;
  bias: Output;
  weights: Output;
  biases: Output;
}

/** One shard's summed cross-entropy, correct count and gradients, each already divided by the whole `batch`. */
function backprop(ops: GraphOps, config: TrainingGraphConfig, s: ShardInputs, batch: Output) {
  const { nSteps, nInputs, nNeurons } = config;
  // Time-major rows (step, example): one matMul projects every step's input.
  const xRows = ops.reshape(ops.transpose(s.x, [1, 0, 2]), [-1, nInputs]);
  const inputPart = ops.unstack(
    ops.reshape(ops.biasAdd(ops.matMul(xRows, s.wx), s.bias), [nSteps, -1, nNeurons]),
    nSteps,
    0,
  );
  const states = [ops.tanh(inputPart[0] as Output)];
  for (let t = 1; t < nSteps; t++) {
    states.push(ops.tanh(ops.add(inputPart[t] as Output, ops.matMul(states[t - 1] as Output, s.wh))));
  }
  const h = states[nSteps - 1] as Output;
  const logits = ops.biasAdd(ops.matMul(h, s.weights), s.biases);
  const [xentropy, softmaxMinusOneHot] = ops.sparseSoftmaxCrossEntropyWithLogits(logits, s.y);

  const dLogits = ops.div(softmaxMinusOneHot, batch);
  const dz = new Array<Output>(nSteps);
  let dh = ops.matMul(dLogits, s.weights, false, true);
  for (let t = nSteps - 1; t >= 0; t--) {
    dz[t] = ops.tanhGrad(states[t] as Output, dh);
    if (t > 0) dh = ops.matMul(dz[t] as Output, s.wh, false, true);
  }
  const dZ = ops.reshape(ops.stack(dz, 0), [-1, nNeurons]);
  const previous = ops.reshape(ops.stack([ops.zerosLike(states[0] as Output), ...states.slice(0, -1)], 0), [
    -1,
    nNeurons,
  ]);
  // dKernel in its two parts, rather than one matMul of concat([xRows, previous]): the
  // concat would copy every row once more, and the parts cost the same arithmetic.
  return {
    correct: ops.countInTopK(logits, s.y, 1),
    xentropy: ops.sum(xentropy, 0),
    dKernel: ops.concat([ops.matMul(xRows, dZ, true, false), ops.matMul(previous, dZ, true, false)], 0),
    dBias: ops.sum(dZ, 0),
    dWeights: ops.matMul(h, dLogits, true, false),
    dBiases: ops.sum(dLogits, 0),
  };
}

/**
 * TF-1's AdamOptimizer over `variables`: it keeps beta1^t and beta2^t as float32 variables,
 * starting at beta1 and beta2, read by every update and multiplied by beta once all are done.
 * @returns `step`, the targets of one whole step, and `initialize`, those that start the powers
 */
function adamStep(
  g: Graph,
  ops: GraphOps,
  adam: Required<AdamConfig>,
  variables: SessionVariable[],
  gradients: Output[],
): { step: Target[]; initialize: Target[] } {
  const [learningRate, beta1, beta2, epsilon] = [adam.learningRate, adam.beta1, adam.beta2, adam.epsilon].map((x) =>
    g.constant(x),
  ) as [Output, Output, Output, Output];
  const powers = [
    { name: 'beta1_power', beta: beta1 },
    { name: 'beta2_power', beta: beta2 },
  ].map(({ name, beta }) => {
    const variable = ops.variable(name, []);
    return { variable, beta, initialize: ops.assignVariable(variable, beta), value: ops.readVariable(variable) };
  });
  const [beta1Power, beta2Power] = powers.map((p) => p.value) as [Output, Output];
  const updates = variables.map((v, i) =>
    ops.applyAdam({
      variable: v.variable,
      m: v.slots[0],
      v: v.slots[1],
      beta1Power,
      beta2Power,
      learningRate,
      beta1,
      beta2,
      epsilon,
      grad: gradients[i] as Output,
    }),
  );
  const step = powers.map((p) => ops.assignVariable(p.variable, ops.mul(p.value, p.beta), updates));
  return { step, initialize: powers.map((p) => p.initialize) };
}
