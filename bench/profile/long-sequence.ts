/**
 * The traced training step of a 784-step sequence (sequential MNIST: one pixel a step) for each
 * cell, on a batch of 50: the graphs' size, the time to trace and load them, the first step (when
 * TensorFlow's Grappler optimises each graph) and later steps. With no chunk size the sequence is
 * unrolled whole into one graph; with one (`ModelConfig.chunkSteps`, lib/model/chunked.ts) the
 * four chunk graphs are measured.
 *
 *   TF_ENABLE_ONEDNN_OPTS=1 TF_NUM_INTRAOP_THREADS=1 node --import tsx bench/profile/long-sequence.ts [basic,lstm,gru] [chunkSteps]
 */
import * as tf from '@tensorflow/tfjs-node';
import { createModel, type CellKind } from '../../lib/model';

const chunkSteps = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
for (const cell of (process.argv[2] ?? 'basic,lstm,gru').split(',') as CellKind[]) {
  const model = createModel({
    nSteps: 784,
    nInputs: 1,
    nNeurons: 128,
    nOutputs: 10,
    learningRate: 0.001,
    seed: 1,
    cell,
    chunkSteps,
  });
  const x = tf.randomUniform([Number(process.env.BATCH ?? 50), 784, 1], 0, 1, 'float32', 1) as tf.Tensor3D;
  const y = tf.tensor1d(
    Array.from({ length: Number(process.env.BATCH ?? 50) }, (_, i) => i % 10),
    'int32',
  );
  let t = performance.now();
  model.trainStep(x, y);
  const first = performance.now() - t;
  const traces = model.traces;
  const sum = (f: (trace: (typeof traces)[number]) => number) => traces.reduce((total, trace) => total + f(trace), 0);
  t = performance.now();
  for (let i = 0; i < 5; i++) model.trainStep(x, y);
  const perStep = (performance.now() - t) / 5;
  console.log(
    `${cell}, ${chunkSteps === undefined ? 'one graph' : `chunks of ${chunkSteps} steps, ${traces.length} graphs`}: ` +
      `${sum((trace) => trace.ops)} kernels eagerly, ${sum((trace) => trace.nodes)} graph nodes, ` +
      `traced and loaded in ${(sum((trace) => trace.traceMs) / 1000).toFixed(1)} s, first step ${(first / 1000).toFixed(1)} s ` +
      `(with Grappler), then ${perStep.toFixed(0)} ms a step`,
  );
  tf.dispose([x, y]);
  model.dispose();
}
