// DataSet.nextBatch: TensorFlow's epochs, shuffles and epoch-crossing batches,
// checked by hand on a tiny data set; and the seeded generator behind the shuffles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSet, imageSize } from '../../lib/data';
import { createRng, shuffleInPlace } from '../../lib/random';

/** n examples; every pixel of example k is k / 100 and its label is k, so a batch shows its rows. */
function tiny(n: number, rng?: () => number): DataSet {
  const images = new Float32Array(n * imageSize);
  for (let k = 0; k < n; k++) images.fill(k / 100, k * imageSize, (k + 1) * imageSize);
  const labels = Int32Array.from({ length: n }, (_, k) => k);
  return new DataSet(images, labels, rng === undefined ? { seed: 1 } : { rng });
}

function rows(ds: DataSet, batchSize: number, shuffle = true): number[] {
  const batch = ds.nextBatch(batchSize, shuffle);
  assert.equal(batch.images.length, batchSize * imageSize);
  assert.equal(batch.labels.length, batchSize);
  // The images must come from the same rows as the labels.
  batch.labels.forEach((k, i) => assert.equal(batch.images[i * imageSize + 783], Math.fround(k / 100)));
  return Array.from(batch.labels);
}

test('with a generator that always draws 0, each shuffle rotates the order left by one (by hand)', () => {
  // Fisher-Yates with j = 0 at every step on [0,1,2,3,4] swaps positions 4,3,2,1 with 0:
  // [4,1,2,3,0] -> [3,1,2,4,0] -> [2,1,3,4,0] -> [1,2,3,4,0].
  const order = Int32Array.from([0, 1, 2, 3, 4]);
  shuffleInPlace(order, () => 0);
  assert.deepEqual(Array.from(order), [1, 2, 3, 4, 0]);
});

test('batches follow TF next_batch: first shuffle, then a batch across the epoch end stitches old and new', () => {
  const ds = tiny(5, () => 0);
  // Epoch 1 order [1,2,3,4,0] (shuffled on first use).
  assert.deepEqual(rows(ds, 2), [1, 2]);
  assert.deepEqual(rows(ds, 2), [3, 4]);
  assert.equal(ds.epochsCompleted, 0);
  // Only 1 example left: it ends the batch's first part; the reshuffled epoch 2 order
  // is epoch 1's order permuted again: [2,3,4,0,1]; its first example completes the batch.
  assert.deepEqual(rows(ds, 2), [0, 2]);
  assert.equal(ds.epochsCompleted, 1);
  assert.deepEqual(rows(ds, 2), [3, 4]);
  assert.deepEqual(rows(ds, 2), [0, 1]);
  assert.equal(ds.epochsCompleted, 1);
  // Epoch 2 used up exactly; as in TF, the reshuffle waits for the next call, whose
  // batch is all new epoch: [3,4,0,1,2].
  assert.deepEqual(rows(ds, 2), [3, 4]);
  assert.equal(ds.epochsCompleted, 2);
});

test('an epoch that divides evenly ends without a stitched batch, and the next one reshuffles', () => {
  const ds = tiny(4, () => 0); // one shuffle on [0,1,2,3] gives [1,2,3,0]
  assert.deepEqual(rows(ds, 2), [1, 2]);
  assert.deepEqual(rows(ds, 2), [3, 0]);
  assert.equal(ds.epochsCompleted, 0);
  assert.deepEqual(rows(ds, 2), [2, 3]); // [1,2,3,0] rotated again: [2,3,0,1]
  assert.equal(ds.epochsCompleted, 1);
});

test('with shuffle off, batches walk the file order and wrap around', () => {
  const ds = tiny(5);
  assert.deepEqual(rows(ds, 2, false), [0, 1]);
  assert.deepEqual(rows(ds, 2, false), [2, 3]);
  assert.deepEqual(rows(ds, 2, false), [4, 0]);
  assert.deepEqual(rows(ds, 2, false), [1, 2]);
  assert.equal(ds.epochsCompleted, 1);
});

test('every example appears once per epoch, and images and labels stay in file order', () => {
  const n = 55;
  const ds = tiny(n, createRng(3));
  const imagesBefore = ds.images.slice();
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen: number[] = [];
    for (let b = 0; b < n / 5; b++) seen.push(...rows(ds, 5));
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: n }, (_, k) => k),
      `epoch ${epoch}`,
    );
  }
  assert.deepEqual(ds.images, imagesBefore);
  assert.deepEqual(
    Array.from(ds.labels),
    Array.from({ length: n }, (_, k) => k),
  );
});

test('the same seed gives the same batches; another seed gives others', () => {
  const make = (seed: number) =>
    new DataSet(
      new Float32Array(100 * imageSize),
      Int32Array.from({ length: 100 }, (_, k) => k),
      { seed },
    );
  const a = make(42);
  const b = make(42);
  const c = make(43);
  for (let i = 0; i < 30; i++) {
    const la = Array.from(a.nextBatch(7).labels);
    assert.deepEqual(Array.from(b.nextBatch(7).labels), la);
    if (i === 0) assert.notDeepEqual(Array.from(c.nextBatch(7).labels), la);
  }
});

test('a batch is a fresh copy: changing it does not change the data set', () => {
  const ds = tiny(5, () => 0);
  const batch = ds.nextBatch(2);
  batch.images.fill(-1);
  batch.labels.fill(-1);
  assert.equal(ds.images[0], 0);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 3, 4]);
});

test('batchSize must be an integer in 1..numExamples', () => {
  const ds = tiny(5);
  assert.throws(() => ds.nextBatch(0), /Expected `batchSize` to be an integer in 1\.\.5 \(numExamples\), got 0/);
  assert.throws(() => ds.nextBatch(2.5), /got 2\.5/);
  assert.throws(() => ds.nextBatch(6), /got 6/);
});

test('images and labels of different lengths are rejected', () => {
  assert.throws(
    () => new DataSet(new Float32Array(2 * imageSize), new Int32Array(3)),
    /Expected `images` to hold 3 x 784 = 2352 values for 3 labels, got 1568/,
  );
});

test('createRng repeats for a seed, stays in [0, 1), and differs between seeds', () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(c(), xs[0]);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean} is far from 0.5`);
  assert.throws(() => createRng(1.5), /Expected `seed` to be an integer, got 1\.5/);
});
