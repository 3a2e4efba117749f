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
 * The graph holds no variables: the weights and Adam's moments go in as
 * inputs and their new values come out, so the caller (lib/model.ts) keeps
 * them as ordinary tfjs variables.
 */
import { AdamConfig, adamUpdate } from './adam';
import { Graph, graphOps, Output } from './tf-graph';

export interface TrainingGraphConfig {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  adam: Required<AdamConfig>;
  /** Parts of the batch whose passes run side by side (1 or more). */
  shards: number;
}

/** Floats in kernel, bias, weights and biases together: the length of Adam's `m` and `v`. */
export function parameterCount(c: { nInputs: number; nNeurons: number; nOutputs: number }): number {
  return (c.nInputs + c.nNeurons) * c.nNeurons + c.nNeurons + c.nNeurons * c.nOutputs + c.nOutputs;
}

/**
 * Builds the graph of one training step.
 *
 * Inputs: for each shard i, `x{i}` [shardBatch, nSteps, nInputs] and `y{i}`
 * [shardBatch] int32 (a shard may be empty); the variables `kernel`
 * [nInputs + nNeurons, nNeurons], `bias` [nNeurons], `weights`
 * [nNeurons, nOutputs], `biases` [nOutputs]; Adam's moments `m` and `v`, each
 * [parameterCount] (the variables' values joined in that order); and `alpha`,
 * the step size from `adamAlpha`.
 *
 * Outputs: `newKernel`, `newBias`, `newWeights`, `newBiases`, `newM`, `newV`
 * (same shapes); `loss`, the batch's mean cross-entropy before the step; and
 * `dKernel`, `dBias`, `dWeights`, `dBiases`, its gradients.
 */
export function trainingGraph(config: TrainingGraphConfig): Graph {
  const { nSteps, nInputs, nNeurons, nOutputs, shards } = config;
  if (!Number.isInteger(shards) || shards < 1)
    throw new Error(`Expected \`shards\` to be a positive integer, got ${shards}`);
  const g = new Graph();
  const ops = graphOps(g);
  const kernel = g.placeholder('kernel', 'float', [nInputs + nNeurons, nNeurons]);
  const bias = g.placeholder('bias', 'float', [nNeurons]);
  const weights = g.placeholder('weights', 'float', [nNeurons, nOutputs]);
  const biases = g.placeholder('biases', 'float', [nOutputs]);
  const [wx, wh] = ops.split(kernel, [nInputs, nNeurons], 0) as [Output, Output];
  const xs = Array.from({ length: shards }, (_, i) => g.placeholder(`x${i}`, 'float', [-1, nSteps, nInputs]));
  const ys = Array.from({ length: shards }, (_, i) => g.placeholder(`y${i}`, 'int32', [-1]));
  const batch = ops.addN(ys.map(ops.sizeAsFloat));

  /** One shard's summed cross-entropy and its gradients, each already divided by the whole batch. */
  function backprop(x: Output, y: Output) {
    // Time-major rows (step, example): one matMul projects every step's input.
    const xRows = ops.reshape(ops.transpose(x, [1, 0, 2]), [-1, nInputs]);
    const inputPart = ops.unstack(
      ops.reshape(ops.biasAdd(ops.matMul(xRows, wx), bias), [nSteps, -1, nNeurons]),
      nSteps,
      0,
    );
    const states = [ops.tanh(inputPart[0] as Output)];
    for (let t = 1; t < nSteps; t++) {
      states.push(ops.tanh(ops.add(inputPart[t] as Output, ops.matMul(states[t - 1] as Output, wh))));
    }
    const h = states[nSteps - 1] as Output;
    const logits = ops.biasAdd(ops.matMul(h, weights), biases);
    const [xentropy, softmaxMinusOneHot] = ops.sparseSoftmaxCrossEntropyWithLogits(logits, y);

    const dLogits = ops.div(softmaxMinusOneHot, batch);
    const dz = new Array<Output>(nSteps);
    let dh = ops.matMul(dLogits, weights, false, true);
    for (let t = nSteps - 1; t >= 0; t--) {
      dz[t] = ops.tanhGrad(states[t] as Output, dh);
      if (t > 0) dh = ops.matMul(dz[t] as Output, wh, false, true);
    }
    const dZ = ops.reshape(ops.stack(dz, 0), [-1, nNeurons]);
    const previous = ops.reshape(ops.stack([ops.zerosLike(states[0] as Output), ...states.slice(0, -1)], 0), [
      -1,
      nNeurons,
    ]);
    return {
      xentropy: ops.sum(xentropy, 0),
      dKernel: ops.matMul(ops.concat([xRows, previous], 1), dZ, true, false),
      dBias: ops.sum(dZ, 0),
      dWeights: ops.matMul(h, dLogits, true, false),
      dBiases: ops.sum(dLogits, 0),
    };
  }
  const parts = xs.map((x, i) => backprop(x, ys[i] as Output));
  const total = (key: keyof (typeof parts)[number]) => ops.addN(parts.map((p) => p[key]));
  g.name(ops.div(total('xentropy'), batch), 'loss');
  const gradients = (['dKernel', 'dBias', 'dWeights', 'dBiases'] as const).map((key) => g.name(total(key), key));

  const size = parameterCount(config);
  const flat = (xs: Output[]) =>
    ops.concat(
      xs.map((x) => ops.reshape(x, [-1])),
      0,
    );
  const next = adamUpdate(ops, (value) => g.constant(value), config.adam, {
    w: flat([kernel, bias, weights, biases]),
    m: g.placeholder('m', 'float', [size]),
    v: g.placeholder('v', 'float', [size]),
    g: flat(gradients),
    alpha: g.placeholder('alpha', 'float', []),
  });
  g.name(next.m, 'newM');
  g.name(next.v, 'newV');
  const shapes = [[nInputs + nNeurons, nNeurons], [nNeurons], [nNeurons, nOutputs], [nOutputs]];
  ops
    .split(
      next.w,
      shapes.map((s) => s.reduce((a, b) => a * b, 1)),
      0,
    )
    .forEach((w, i) =>
      g.name(ops.reshape(w, shapes[i] as number[]), ['newKernel', 'newBias', 'newWeights', 'newBiases'][i] as string),
    );
  return g;
}
