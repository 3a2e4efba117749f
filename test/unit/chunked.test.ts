// lib/model/chunked.ts: a sequence trained a chunk of steps per graph call computes what the whole
// graph computes (the gradient flows back through every chunk), for each cell, and leaves no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { createModel, type CellKind, type ModelConfig } from '../../lib/model';

const config = { nSteps: 30, nInputs: 3, nNeurons: 16, nOutputs: 10, learningRate: 0.01, seed: 3 } as const;

function batch(n: number) {
  const x = tf.randomUniform([n, config.nSteps, config.nInputs], 0, 1, 'float32', 7) as tf.Tensor3D;
  const y = tf.tensor1d(
    Array.from({ length: n }, (_, i) => i % 10),
    'int32',
  );
  return { x, y };
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const cell of ['basic', 'lstm', 'gru'] as CellKind[]) {
  test(`${cell}: chunks of 7 steps (the last of 2) give the whole graph's gradients, steps, loss and logits`, () => {
    const make = (extra: Partial<ModelConfig>) => createModel({ ...config, cell, clipNorm: 0.5, ...extra });
    const whole = make({});
    const chunked = make({ chunkSteps: 7 });
    const { x, y } = batch(9);
    try {
      const [a, b] = [whole.gradients(x, y), chunked.gradients(x, y)];
      a.forEach((g, i) => assert.ok(maxDiff(g, b[i]!) < 1e-6, `${chunked.variableNames[i]}: ${maxDiff(g, b[i]!)}`));
      tf.dispose([...a, ...b]);
      for (let i = 0; i < 3; i++) [whole, chunked].forEach((m) => m.trainStep(x, y));
      whole.variables.forEach((v, i) => assert.ok(maxDiff(v, chunked.variables[i]!) < 1e-5, chunked.variableNames[i]));
      assert.ok(Math.abs(whole.loss(x, y) - chunked.loss(x, y)) < 1e-5);
      const [la, lb] = [whole.logits(x), chunked.logits(x)];
      assert.ok(maxDiff(la, lb) < 1e-5);
      tf.dispose([la, lb]);
      // Small graphs: forward and backward for chunks of 7 steps and for the last of 2, head, apply.
      const signatures = chunked.traces.map((t) => t.signature.split(' ')[0]);
      assert.equal(signatures.length, 6);
      assert.equal(signatures.filter((s) => s === 'float32[9,7,3]').length, 2);
      assert.equal(signatures.filter((s) => s === 'float32[9,2,3]').length, 2);
    } finally {
      tf.dispose([x, y]);
      whole.dispose();
      chunked.dispose();
    }
  });
}

test('a chunked model leaves the tensor count flat over a step, an accuracy and a re-run', () => {
  const run = () => {
    const model = createModel({ ...config, cell: 'lstm', chunkSteps: 10 });
    const { x, y } = batch(4);
    model.trainStep(x, y);
    model.accuracy(x, y);
    tf.dispose([x, y]);
    return model;
  };
  run().dispose();
  const before = tf.memory().numTensors;
  const model = run();
  const { x, y } = batch(4);
  model.trainStep(x, y);
  tf.dispose([x, y]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('chunkSteps must be a positive integer', () => {
  assert.throws(() => createModel({ ...config, chunkSteps: 0 }), /`chunkSteps` to be a positive integer, got 0/);
});
