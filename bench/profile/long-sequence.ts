/**
 * The traced training step of a 784-step sequence (sequential MNIST: one pixel a step, unrolled
 * whole) for each cell: its size, the time to trace and load it, the first step (when Grappler
 * optimises the graph) and later steps, on a batch of 50.
 *
 *   TF_ENABLE_ONEDNN_OPTS=1 TF_NUM_INTRAOP_THREADS=1 node --import tsx bench/profile/long-sequence.ts [basic,lstm,gru]
 */
import * as tf from '@tensorflow/tfjs-node';
import { createModel, type CellKind } from '../../lib/model';
for (const cell of (process.argv[2] ?? 'basic,lstm,gru').split(',') as CellKind[]) {
  const model = createModel({
    nSteps: 784,
    nInputs: 1,
    nNeurons: 128,
    nOutputs: 10,
    learningRate: 0.001,
    seed: 1,
    cell,
  });
  const x = tf.randomUniform([50, 784, 1], 0, 1, 'float32', 1) as tf.Tensor3D;
  const y = tf.tensor1d(
    Array.from({ length: 50 }, (_, i) => i % 10),
    'int32',
  );
  let t = performance.now();
  model.trainStep(x, y);
  const first = performance.now() - t;
  const [trace] = model.traces;
  t = performance.now();
  for (let i = 0; i < 5; i++) model.trainStep(x, y);
  const perStep = (performance.now() - t) / 5;
  console.log(
    `${cell}: ${trace!.ops} kernels eagerly, ${trace!.nodes} graph nodes, traced and loaded in ${(trace!.traceMs / 1000).toFixed(1)} s, first step ${(first / 1000).toFixed(1)} s (with Grappler), then ${perStep.toFixed(0)} ms a step`,
  );
  tf.dispose([x, y]);
  model.dispose();
}
