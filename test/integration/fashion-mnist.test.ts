// Real IDX files from outside the project: Fashion-MNIST from Debian's dataset-fashion-mnist
// (.ci/run installs it) loads as TF's read_data_sets splits MNIST.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { DataSets, readDataSets } from '../../lib/data';
import { readLabelsFile } from '../../lib/idx';
import { mnistNames } from '../helpers/synthetic-idx';

const fashionDir = '/usr/share/datasets/fashion-mnist';
const noDownload = { download: false, fallback: false } as const;

let fashion: DataSets;
let fashionLog: string[];

before(async () => {
  // Installed by the Debian package dataset-fashion-mnist (see .ci/run); its absence must fail, not skip.
  fashionLog = [];
  fashion = await readDataSets(fashionDir, { ...noDownload, seed: 1, log: (l) => fashionLog.push(l) });
});

test('Fashion-MNIST loads as TF splits MNIST: 55000 train, 5000 validation, 10000 test', () => {
  assert.equal(fashion.train.numExamples, 55000);
  assert.equal(fashion.validation.numExamples, 5000);
  assert.equal(fashion.test.numExamples, 10000);
  for (const ds of [fashion.train, fashion.validation, fashion.test]) {
    assert.equal(ds.images.length, ds.numExamples * 784);
    assert.equal(ds.labels.length, ds.numExamples);
  }
  assert.deepEqual(fashion.source, { kind: 'idx', description: `IDX files in ${fashionDir}` });
  assert.equal(fashion.seed, 1);
});

test('Fashion-MNIST pixels lie in [0, 1] with both ends present, and labels cover 0..9', () => {
  let min = Infinity;
  let max = -Infinity;
  for (const v of fashion.test.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const counts = new Array<number>(10).fill(0);
  for (const label of fashion.test.labels) counts[label] = (counts[label] as number) + 1;
  assert.deepEqual(counts, new Array<number>(10).fill(1000)); // Fashion-MNIST's test set is balanced
});

test('validation is the first 5000 images of the training file, train the rest', async () => {
  const fileLabels = await readLabelsFile(path.join(fashionDir, mnistNames.trainLabels));
  assert.deepEqual(fashion.validation.labels, fileLabels.subarray(0, 5000));
  assert.deepEqual(fashion.train.labels, fileLabels.subarray(5000));
});

test('one Extracting line per file, in TF read order, with the directory joined as os.path.join does', () => {
  assert.deepEqual(fashionLog, [
    `Extracting ${fashionDir}/train-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/train-labels-idx1-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-labels-idx1-ubyte.gz`,
  ]);
});
