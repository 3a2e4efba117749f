// The In[5] loop of lib/train/train.ts on a tiny synthetic data set, and the seed's number format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { createModel } from '../../lib/model';
import { formatFloat32 } from '../../lib/format';
import { formatEpochLine, train } from '../../lib/train/train';

const modelConfig = { nSteps: 28, nInputs: 28, nNeurons: 32, nOutputs: 10, learningRate: 0.01, seed: 1 };

/** Images of class c have a bright bar on rows 2c and 2c + 1, over faint noise: easy to learn. */
function syntheticSet(numExamples: number, seed: number) {
  let s = seed;
  const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 0.2;
  const images = new Float32Array(numExamples * 784);
  const labels = new Int32Array(numExamples);
  for (let i = 0; i < numExamples; i++) {
    const c = (i * 7 + seed) % 10;
    labels[i] = c;
    for (let p = 0; p < 784; p++) {
      const row = Math.floor(p / 28);
      images[i * 784 + p] = row === 2 * c || row === 2 * c + 1 ? 1 : noise();
    }
  }
  let next = 0;
  return {
    images,
    labels,
    numExamples,
    nextBatch(batchSize: number) {
      if (next + batchSize > numExamples) next = 0;
      const start = next;
      next += batchSize;
      return { images: images.subarray(start * 784, next * 784), labels: labels.subarray(start, next) };
    },
  };
}
const tinyData = () => ({ train: syntheticSet(300, 1), test: syntheticSet(100, 2) });

test('the loop runs every batch of every epoch and reports each epoch', async () => {
  const model = createModel(modelConfig);
  const batches: string[] = [];
  const epochs: number[] = [];
  const results = await train(model, tinyData(), {
    nEpochs: 2,
    batchSize: 50,
    testSize: 100,
    onBatch: (p) => {
      batches.push(`${p.epoch}:${p.iteration}/${p.iterationsPerEpoch}`);
    },
    onEpoch: (r) => {
      epochs.push(r.epoch);
    },
  });
  assert.equal(batches.length, 12);
  assert.equal(batches[11], '1:5/6');
  assert.deepEqual(epochs, [0, 1]);
  assert.deepEqual(
    results.map((r) => r.epoch),
    [0, 1],
  );
  model.dispose();
});

test('training learns: test accuracy on the easy synthetic set rises far above chance', async () => {
  const model = createModel(modelConfig);
  const results = await train(model, tinyData(), { nEpochs: 4, batchSize: 50, testSize: 100 });
  const last = results[results.length - 1]!;
  assert.ok(last.accTest >= 0.8, `test accuracy after 4 epochs is ${last.accTest}`);
  model.dispose();
});

test('tf.memory().numTensors is the same before and after an epoch', async () => {
  const model = createModel(modelConfig);
  const before = tf.memory().numTensors;
  const atEpochEnd: number[] = [];
  await train(model, tinyData(), {
    nEpochs: 3,
    batchSize: 50,
    testSize: 100,
    onEpoch: () => {
      atEpochEnd.push(tf.memory().numTensors);
    },
  });
  assert.equal(atEpochEnd[0], atEpochEnd[1]);
  assert.equal(atEpochEnd[1], atEpochEnd[2]);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('the same seed gives the same numbers twice', async () => {
  const run = async () => {
    const model = createModel({ ...modelConfig, seed: 42 });
    const results = await train(model, tinyData(), { nEpochs: 2, batchSize: 50, testSize: 100 });
    const weights = Array.from(model.cell.kernel.dataSync());
    model.dispose();
    return { results, weights };
  };
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a.results, b.results);
  assert.deepEqual(a.weights, b.weights);
});

test('aborting the signal stops within one batch, frees everything and throws an AbortError', async () => {
  const model = createModel(modelConfig);
  const controller = new AbortController();
  const before = tf.memory().numTensors;
  let batchesAfterAbort = 0;
  await assert.rejects(
    train(model, tinyData(), {
      nEpochs: 5,
      batchSize: 50,
      testSize: 100,
      signal: controller.signal,
      onBatch: (p) => {
        if (controller.signal.aborted) batchesAfterAbort++;
        if (p.iteration === 2) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.equal(batchesAfterAbort, 0);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('train names a wrong option', async () => {
  const model = createModel(modelConfig);
  await assert.rejects(
    train(model, tinyData(), { nEpochs: 1, batchSize: -3 }),
    /Expected `batchSize` to be a positive integer, got -3/,
  );
  await assert.rejects(
    train(model, tinyData(), { nEpochs: 1, batchSize: 50, testSize: 1000 }),
    /Expected `testSize` to be at most the 100 test examples, got 1000/,
  );
  model.dispose();
});

test('numbers print as NumPy printed a float32 in the seed', () => {
  assert.equal(formatFloat32(139 / 150), '0.926667');
  assert.equal(formatFloat32(0.94), '0.94');
  assert.equal(formatFloat32(0.958), '0.958');
  assert.equal(formatFloat32(0.95), '0.95');
  // numpy < 1.14 appended ".0" when %g left only digits.
  assert.equal(formatFloat32(1), '1.0');
  assert.equal(formatFloat32(0), '0.0');
  // C's printf rounds an exact tie to even; JS's toPrecision would give 54103.3.
  assert.equal(formatFloat32(54103.25), '54103.2');
  assert.equal(formatFloat32(1e-5), '1e-05');
  assert.equal(formatFloat32(1234567), '1.23457e+06');
});

test("formatEpochLine gives the seed's per-epoch line", () => {
  assert.equal(
    formatEpochLine({ epoch: 0, accTrain: 0.94, accTest: 0.928 }),
    '0 Train accuracy: 0.94 Test accuracy: 0.928',
  );
  assert.equal(
    formatEpochLine({ epoch: 1, accTrain: 139 / 150, accTest: 0.944 }),
    '1 Train accuracy: 0.926667 Test accuracy: 0.944',
  );
});
