// lib/parallel.ts: half of each batch's gradients in a worker thread, and train()'s `workers` option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { createModel, rnnGradients } from '../lib/model';
import { startParallelTrainer } from '../lib/parallel';
import { train } from '../lib/train';

const config = { nSteps: 28, nInputs: 28, nNeurons: 32, nOutputs: 10, learningRate: 0.01, seed: 3 };

function batchOf(size: number, seed: number): { x: Float32Array; y: Int32Array } {
  let s = seed;
  const random = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return {
    x: new Float32Array(size * 784).map(random),
    y: new Int32Array(size).map(() => Math.floor(random() * 10)),
  };
}

/** Data for train(): `numExamples` examples that repeat, the test set the same. */
function tinyData(numExamples: number, labels?: Int32Array) {
  const { x, y } = batchOf(numExamples, 5);
  const set = {
    images: x, labels: labels ?? y, numExamples,
    nextBatch: (() => {
      let next = 0;
      return (batchSize: number) => {
        if (next + batchSize > numExamples) next = 0;
        const start = next;
        next += batchSize;
        return { images: set.images.subarray(start * 784, next * 784), labels: set.labels.subarray(start, next) };
      };
    })(),
  };
  return { train: set, test: set };
}

test('the gradient of a batch split over two threads equals the one-thread gradient within 1e-5', async () => {
  const model = createModel(config);
  const parallel = await startParallelTrainer(model, { batchSize: 50 });
  try {
    for (const size of [50, 7]) {
      const { x, y } = batchOf(size, size);
      const split = parallel.gradient(x, y);
      const whole = tf.tidy(() => {
        const { gradients } = rnnGradients(model.basicCell, model.logitsLayer, tf.tensor3d(x, [size, 28, 28]), tf.tensor1d(y, 'int32'));
        return tf.concat(gradients.map((g) => g.reshape([-1])));
      });
      const expected = whole.dataSync();
      whole.dispose();
      assert.equal(split.length, expected.length);
      const worst = split.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i]!)), 0);
      assert.ok(worst < 1e-5, `batch of ${size}: largest difference ${worst}`);
    }
  } finally {
    await parallel.close();
    model.dispose();
  }
});

test('train with a worker gives the same numbers twice, close to training in one thread', async () => {
  const run = async (workers: 0 | 1) => {
    const model = createModel(config);
    const results = await train(model, tinyData(200), { nEpochs: 2, batchSize: 50, testSize: 100, workers });
    const kernel = model.basicCell.kernel.dataSync() as Float32Array;
    model.dispose();
    return { results, kernel };
  };
  const [a, b, single] = [await run(1), await run(1), await run(0)];
  assert.deepEqual(a.results, b.results);
  assert.deepEqual(a.kernel, b.kernel);
  // 8 Adam steps from gradients that differ only by rounding.
  const worst = a.kernel.reduce((max, v, i) => Math.max(max, Math.abs(v - single.kernel[i]!)), 0);
  assert.ok(worst < 1e-4, `kernel differs from one-thread training by up to ${worst}`);
});

test('train with a worker leaves no tensors behind, and stops it when aborted', async () => {
  const model = createModel(config);
  const before = tf.memory().numTensors;
  const atEpochEnd: number[] = [];
  await train(model, tinyData(100), {
    nEpochs: 2, batchSize: 50, testSize: 100, workers: 1, onEpoch: () => { atEpochEnd.push(tf.memory().numTensors); },
  });
  assert.equal(atEpochEnd[0], atEpochEnd[1]);
  assert.equal(tf.memory().numTensors, before);

  const controller = new AbortController();
  await assert.rejects(
    train(model, tinyData(100), {
      nEpochs: 5, batchSize: 50, testSize: 100, workers: 1, signal: controller.signal,
      onBatch: (p) => { if (p.iteration === 1) controller.abort(); },
    }),
    { name: 'AbortError' },
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('an error in either thread reaches train(), which frees everything and stops the worker', async () => {
  const model = createModel(config);
  const labels = new Int32Array(100).fill(1);
  // In the second half of the first batch, which either thread may take (whichever is free first).
  labels[49] = 99;
  const before = tf.memory().numTensors;
  await assert.rejects(
    train(model, tinyData(100, labels), { nEpochs: 1, batchSize: 50, testSize: 100, workers: 1 }),
    /label value of 99/,
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('startParallelTrainer and train name a wrong argument', async () => {
  const model = createModel(config);
  await assert.rejects(startParallelTrainer(model, { batchSize: 0 }), /Expected `batchSize` to be a positive integer, got 0/);
  const parallel = await startParallelTrainer(model, { batchSize: 10 });
  const { x, y } = batchOf(12, 1);
  assert.throws(() => parallel.gradient(x, y), /Expected a batch of 2 to 11 \(from the `batchSize` given at start\), got 12/);
  await parallel.close();
  assert.throws(() => parallel.gradient(x, y), /called after close\(\)/);
  await assert.rejects(train(model, tinyData(100), { nEpochs: 1, batchSize: 50, testSize: 100, workers: 2 as 1 }),
    /Expected `workers` to be 0 or 1, got 2/);
  model.dispose();
});
