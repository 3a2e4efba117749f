/**
 * Where a training step's time goes: times `trainStep` and graphs that hold parts of it, each
 * run many times through the same SavedModel session that training uses. Prints wall and CPU
 * microseconds per run (median of 5 rounds, and the fastest round: on a shared machine the
 * fastest is the least disturbed).
 *
 *   TF_ENABLE_ONEDNN_OPTS=1 TF_NUM_INTRAOP_THREADS=1 node --import tsx bench/profile/profile-step.ts
 *     [--runs 500] [--shards 2] [--parts step,pruned,chain,backward,call]
 *
 * Parts: `step`, model.trainStep on one batch of 50; `pruned`, the training graph fetched for
 * its loss only (the forward pass), for its gradients (forward and backward) and whole (with
 * Adam); `chain`, the 56 chained recurrent matMuls of each shard alone, then with their tanh,
 * add and tanhGrad nodes; `backward`, the backward pass's big matMul and the stacks that feed
 * it; `call`, a graph of one Identity node: the cost of a session call itself.
 *
 * `--save DIR` instead writes the training graph as DIR/saved_model.pb and exits, for
 * bench/profile/trace-step.py, which runs it under TensorFlow's own tracer for the time of each node.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs-node';
import { createModel } from '../../lib/model';
import { createSession, Graph, graphOps, Output, savedModelProto } from '../../lib/graph';
import { trainingGraph, VARIABLES, variableShapes } from '../../lib/model/training-graph';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '500' },
    shards: { type: 'string', default: '2' },
    parts: { type: 'string' },
    save: { type: 'string' },
  },
});
const runs = Number(values.runs);
const shards = Number(values.shards);
if (!Number.isInteger(runs) || runs < 5)
  throw new Error(`Expected \`--runs\` to be an integer of at least 5, got ${values.runs}`);
if (![1, 2].includes(shards)) throw new Error(`Expected \`--shards\` to be 1 or 2, got ${values.shards}`);
const parts = (values.parts ?? 'step,pruned,chain,backward,call').split(',');
const [nSteps, nInputs, nNeurons, nOutputs] = [28, 28, 128, 10];
const shardBatch = 50 / shards;

function time(name: string, f: () => void): void {
  for (let i = 0; i < 30; i++) f();
  const wall: number[] = [];
  const cpu: number[] = [];
  const perRound = Math.floor(runs / 5);
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < perRound; i++) f();
    const used = process.cpuUsage(cpuStart);
    wall.push(((performance.now() - start) * 1000) / perRound);
    cpu.push((used.user + used.system) / perRound);
  }
  const [w, c] = [wall, cpu].map((xs) => xs.sort((a, b) => a - b)) as [number[], number[]];
  const us = (x: number | undefined) => `${(x ?? NaN).toFixed(0).padStart(5)} us`;
  console.log(`${name.padEnd(58)} wall ${us(w[2])} (fastest ${us(w[0])})   CPU ${us(c[2])} (fastest ${us(c[0])})`);
}

/** Runs `graph` on `feeds` for `fetches`, freeing what it returns. */
function timeGraph(
  name: string,
  graph: Graph,
  feeds: Record<string, tf.Tensor>,
  fetchSets: Record<string, string[]>,
): void {
  const session = createSession(graph);
  for (const [label, fetches] of Object.entries(fetchSets)) {
    time(`${name}${label}`, () => tf.dispose(session.run(feeds, fetches)));
  }
  session.dispose();
  tf.dispose(Object.values(feeds));
}

const adam = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
if (values.save !== undefined) {
  fs.mkdirSync(values.save, { recursive: true });
  const file = path.join(values.save, 'saved_model.pb');
  fs.writeFileSync(file, savedModelProto(trainingGraph({ nSteps, nInputs, nNeurons, nOutputs, adam, shards })));
  console.log(`profile-step: wrote the training graph (${shards} shard(s)) to ${file}`);
  process.exit(0);
}

console.log(
  `profile-step: ${shards} shard(s) of ${shardBatch}, TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS} ` +
    `TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS} TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS}`,
);

if (parts.includes('step')) {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate: 0.001, seed: 1, shards });
  const x = new Float32Array(50 * nSteps * nInputs).map((_, i) => (i % 255) / 255);
  const y = new Int32Array(50).map((_, i) => i % nOutputs);
  time('model.trainStep, batch 50', () => model.trainStep(x, y));
  model.dispose();
}

if (parts.includes('pruned')) {
  const session = createSession(trainingGraph({ nSteps, nInputs, nNeurons, nOutputs, adam, shards }));
  const values: Record<string, tf.Tensor> = {};
  variableShapes({ nInputs, nNeurons, nOutputs }).forEach(
    (shape, i) => (values[`${VARIABLES[i]}/value`] = tf.randomUniform(shape, -0.1, 0.1)),
  );
  tf.dispose(session.run(values, ['initialize']));
  const feeds: Record<string, tf.Tensor> = {};
  for (let s = 0; s < shards; s++) {
    feeds[`x${s}`] = tf.randomUniform([shardBatch, nSteps, nInputs]);
    feeds[`y${s}`] = tf.tensor1d(
      Array.from({ length: shardBatch }, (_, i) => i % nOutputs),
      'int32',
    );
  }
  for (const [label, fetches] of Object.entries({
    'loss only (forward pass)': ['loss'],
    'gradients (forward and backward)': ['dKernel', 'dBias', 'dWeights', 'dBiases'],
    'whole step (and Adam)': ['trainStep'],
  })) {
    time(`training graph, ${label}`, () => tf.dispose(session.run(feeds, fetches)));
  }
  session.dispose();
  tf.dispose([...Object.values(values), ...Object.values(feeds)]);
}

if (parts.includes('chain')) {
  for (const withCell of [false, true]) {
    const g = new Graph();
    const ops = graphOps(g);
    const wh = g.placeholder('wh', 'float', [nNeurons, nNeurons]);
    const feeds: Record<string, tf.Tensor> = { wh: tf.randomUniform([nNeurons, nNeurons], -0.1, 0.1) };
    for (let s = 0; s < shards; s++) {
      const input = g.placeholder(`input${s}`, 'float', [-1, nNeurons]);
      feeds[`input${s}`] = tf.randomUniform([shardBatch, nNeurons], -0.1, 0.1);
      const states: Output[] = [];
      let h = input;
      for (let t = 0; t < nSteps; t++)
        states.push((h = withCell ? ops.tanh(ops.add(input, ops.matMul(h, wh))) : ops.matMul(h, wh)));
      let dh = h;
      for (let t = nSteps - 1; t >= 0; t--)
        dh = ops.matMul(withCell ? ops.tanhGrad(states[t] as Output, dh) : dh, wh, false, true);
      g.name(dh, `out${s}`);
    }
    const fetches = Array.from({ length: shards }, (_, s) => `out${s}`);
    timeGraph(
      withCell ? '56 chained matMuls with tanh, add, tanhGrad' : '56 chained matMuls [b, 128] @ [128, 128] only',
      g,
      feeds,
      {
        [` (each shard)`]: fetches,
      },
    );
  }
}

if (parts.includes('backward')) {
  const g = new Graph();
  const ops = graphOps(g);
  const dzs = Array.from({ length: nSteps }, (_, t) => g.placeholder(`dz${t}`, 'float', [-1, nNeurons]));
  g.name(ops.reshape(ops.stack(dzs, 0), [-1, nNeurons]), 'stacked');
  const rows = g.placeholder('rows', 'float', [-1, nInputs + nNeurons]);
  const dZ = g.placeholder('dZ', 'float', [-1, nNeurons]);
  g.name(ops.matMul(rows, dZ, true, false), 'dKernel');
  const feeds: Record<string, tf.Tensor> = {};
  dzs.forEach((_, t) => (feeds[`dz${t}`] = tf.randomUniform([shardBatch, nNeurons])));
  const stackSession = createSession(g);
  time(`one shard's Pack of 28 [${shardBatch}, 128] states`, () => tf.dispose(stackSession.run(feeds, ['stacked'])));
  const big = {
    rows: tf.randomUniform([nSteps * shardBatch, nInputs + nNeurons]),
    dZ: tf.randomUniform([nSteps * shardBatch, nNeurons]),
  };
  time(`one shard's dKernel matMul [${nSteps * shardBatch}, 156]^T @ [${nSteps * shardBatch}, 128]`, () =>
    tf.dispose(stackSession.run(big, ['dKernel'])),
  );
  stackSession.dispose();
  tf.dispose([...Object.values(feeds), big.rows, big.dZ]);
}

if (parts.includes('call')) {
  const g = new Graph();
  g.name(g.placeholder('x', 'float', [-1, nSteps, nInputs]), 'y');
  timeGraph('a session call of one Identity node, batch 50', g, { x: tf.zeros([50, nSteps, nInputs]) }, { '': ['y'] });
}
