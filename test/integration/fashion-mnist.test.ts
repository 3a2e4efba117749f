// Real IDX files from outside the project: Fashion-MNIST loads as TF's read_data_sets splits
// MNIST. From Debian's dataset-fashion-mnist where it is installed (.ci/run installs it), else
// downloaded once into the project's .cache/fashion-mnist/ from its public mirrors, SHA-256
// checked; skipped, saying so, where neither can be had.
import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DataSets, fashionMnistChecksums, fashionMnistMirrors, mnistFiles, readDataSets } from '../../lib/data';
import { DownloadError, downloadFile } from '../../lib/data/download';
import { readLabelsFile } from '../../lib/data/idx';
import { mnistNames } from '../helpers/synthetic-idx';
import { skipping } from '../helpers/skip';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const CACHE_DIR = path.join(__dirname, '..', '..', '.cache', 'fashion-mnist');
const noDownload = { download: false, fallback: false } as const;

/** Debian's copy where it is installed, else the project's cache, filled from the mirrors; or why neither. */
async function fashionMnistDir(): Promise<{ dir: string } | { missing: string }> {
  if (fs.existsSync(DEBIAN_DIR)) return { dir: DEBIAN_DIR };
  for (const name of Object.values(mnistFiles)) {
    if (fs.existsSync(path.join(CACHE_DIR, name))) continue;
    const checksum = fashionMnistChecksums[name];
    assert.ok(checksum, `Expected a Fashion-MNIST checksum for ${name}`);
    try {
      await downloadFile(name, CACHE_DIR, checksum, { mirrors: fashionMnistMirrors, progress: false });
    } catch (e) {
      // Offline is a reason to skip; a mirror that answered with bad bytes is a failure.
      if (!(e instanceof DownloadError && e.offline)) throw e;
      return {
        missing:
          `needs Fashion-MNIST, found neither ${DEBIAN_DIR} nor an answer from its mirrors (${fashionMnistMirrors.join(', ')}); ` +
          'get it with `apt-get install dataset-fashion-mnist`, or run the tests again online (it is then kept in .cache/fashion-mnist)',
      };
    }
  }
  return { dir: CACHE_DIR };
}

let fashionDir = '';
let fashion: DataSets;
let fashionLog: string[];
let skip: string | undefined;

before(async () => {
  const found = await fashionMnistDir();
  if ('missing' in found) {
    skip = skipping('Fashion-MNIST tests', found.missing);
    return;
  }
  fashionDir = found.dir;
  fashionLog = [];
  fashion = await readDataSets(fashionDir, { ...noDownload, seed: 1, log: (l) => fashionLog.push(l) });
});

/** True (and the test marked skipped) where Fashion-MNIST could not be had. */
const skipped = (t: TestContext): boolean => {
  if (skip !== undefined) t.skip(skip);
  return skip !== undefined;
};

test('Fashion-MNIST loads as TF splits MNIST: 55000 train, 5000 validation, 10000 test', (t) => {
  if (skipped(t)) return;
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

test('Fashion-MNIST pixels lie in [0, 1] with both ends present, and labels cover 0..9', (t) => {
  if (skipped(t)) return;
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

test('validation is the first 5000 images of the training file, train the rest', async (t) => {
  if (skipped(t)) return;
  const fileLabels = await readLabelsFile(path.join(fashionDir, mnistNames.trainLabels));
  assert.deepEqual(fashion.validation.labels, fileLabels.subarray(0, 5000));
  assert.deepEqual(fashion.train.labels, fileLabels.subarray(5000));
});

test('one Extracting line per file, in TF read order, with the directory joined as os.path.join does', (t) => {
  if (skipped(t)) return;
  assert.deepEqual(fashionLog, [
    `Extracting ${fashionDir}/train-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/train-labels-idx1-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-images-idx3-ubyte.gz`,
    `Extracting ${fashionDir}/t10k-labels-idx1-ubyte.gz`,
  ]);
});
