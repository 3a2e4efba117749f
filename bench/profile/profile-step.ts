/**
 * Where a training step's time goes: times `model.trainStep` (the traced graph) against the same
 * step run eagerly, and graphs traced from parts of it, each many times. Prints wall and CPU
 * microseconds per run (median of 5 rounds, and the fastest round: on a shared machine the
 * fastest is the least disturbed), and the traced step's size.
 *
 *   TF_ENABLE_ONEDNN_OPTS=1 TF_NUM_INTRAOP_THREADS=1 node --import tsx bench/profile/profile-step.ts
 *     [--runs 500] [--parts step,eager,gradients,forward,call]
 *
 * Parts: `step`, model.trainStep on one batch of 50 (forward, tfjs's gradients and TF-1's Adam, one
 * graph call); `eager`, the same step without the tracer; `gradients`, forward and backward only
 * (model.gradients); `forward`, the loss only, traced; `call`, a traced step of one add: the
 * cost of a graph call itself.
 *
 * `--save DIR` instead writes the traced training step as DIR/saved_model.pb and exits, for
 * bench/profile/trace-step.py, which runs it under TensorFlow's own tracer for the time of each node.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs-node';
import { adamOptimizer, createModel, sparseSoftmaxCrossEntropyWithLogits } from '../../lib/model';
import { traceStep } from '../../tracer';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '500' },
    parts: { type: 'string' },
    save: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 5)
  throw new Error(`Expected \`--runs\` to be an integer of at least 5, got ${values.runs}`);
const parts = (values.parts ?? 'step,eager,gradients,forward,call').split(',');
const config = { nSteps: 28, nInputs: 28, nNeurons: 128, nOutputs: 10, learningRate: 0.001, seed: 1 };

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
  console.log(`${name.padEnd(52)} wall ${us(w[2])} (fastest ${us(w[0])})   CPU ${us(c[2])} (fastest ${us(c[0])})`);
}

const model = createModel(config);
const x = tf.tensor3d(
  new Float32Array(50 * 28 * 28).map((_, i) => (i % 255) / 255),
  [50, 28, 28],
);
const y = tf.tensor1d(
  new Int32Array(50).map((_, i) => i % 10),
  'int32',
);
model.trainStep(x, y);
const [trace] = model.traces;
if (trace === undefined) throw new Error('profile-step: the training step was not traced');

if (values.save !== undefined) {
  fs.mkdirSync(values.save, { recursive: true });
  const file = path.join(values.save, 'saved_model.pb');
  fs.writeFileSync(file, trace.savedModel);
  console.log(`profile-step: wrote the traced training step (${trace.nodes} nodes) to ${file}`);
  process.exit(0);
}

console.log(
  `profile-step: batch 50, TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS} ` +
    `TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS} TF_NUM_INTEROP_THREADS=${process.env.TF_NUM_INTEROP_THREADS}`,
);
console.log(
  `traced step: ${trace.ops} kernels eagerly, ${trace.nodes} graph nodes after pruning, ` +
    `traced and loaded in ${trace.traceMs.toFixed(0)} ms`,
);
const loss = () => tf.mean(sparseSoftmaxCrossEntropyWithLogits(y, model.logits(x))) as tf.Scalar;
if (parts.includes('step')) time('model.trainStep (traced: one graph call)', () => model.trainStep(x, y));
if (parts.includes('eager')) {
  const adam = adamOptimizer({ learningRate: config.learningRate }, model.variables);
  time('the same step, eager', () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, model.variables as tf.Variable[]);
      adam.applyGradients(model.variables.map((v) => grads[v.name]!));
    }),
  );
  adam.dispose();
}
if (parts.includes('gradients'))
  time('model.gradients (forward and backward, traced)', () => tf.dispose(model.gradients(x, y)));
if (parts.includes('forward')) {
  const forward = traceStep((xt: tf.Tensor3D, yt: tf.Tensor1D) =>
    tf.mean(sparseSoftmaxCrossEntropyWithLogits(yt, model.logits(xt))),
  );
  time('the loss alone (forward, traced)', () => forward(x, y).dispose());
  forward.dispose();
}
if (parts.includes('call')) {
  const call = traceStep((xt: tf.Tensor3D) => tf.add(xt, 1));
  time('one add (the cost of a graph call)', () => call(x).dispose());
  call.dispose();
}
tf.dispose([x, y]);
model.dispose();
