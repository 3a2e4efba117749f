// IDX parsing: values scaled as TensorFlow scales them, and every kind of bad file
// rejected with its name, what was expected and what was found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseImageIdx, parseLabelIdx, readImagesFile, readLabelsFile, scaleImages } from '../../lib/data/idx';
import { gzip, imageIdx, labelIdx, tempDir } from '../helpers/synthetic-idx';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'tf-mnist-scale.json'), 'utf8')) as {
  float32_bits: number[];
};

test('bytes scale to the float32 values numpy gives TF (bit for bit, all 256 bytes)', () => {
  const scaled = scaleImages(Uint8Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(Array.from(new Uint32Array(scaled.buffer)), fixture.float32_bits);
});

test('a good image file parses to [count, 784] scaled pixels', () => {
  const { count, images } = parseImageIdx(imageIdx(3), 'img');
  assert.equal(count, 3);
  assert.equal(images.length, 3 * 784);
  assert.equal(images[784 + 5], Math.fround(((7 + 5) % 256) * Math.fround(1 / 255)));
});

test('a good label file parses to int32 class ids', () => {
  assert.deepEqual(Array.from(parseLabelIdx(labelIdx([3, 0, 9]), 'lab')), [3, 0, 9]);
});

test('an image file with the label magic number is rejected, naming both numbers', () => {
  assert.throws(
    () => parseImageIdx(imageIdx(2, { magic: 2049 }), '/d/train-images-idx3-ubyte.gz'),
    /Expected \/d\/train-images-idx3-ubyte\.gz to start with the IDX image magic number 2051 \(0x00000803\), found 2049 \(0x00000801, the magic number of a label file\)/,
  );
});

test('a label file with a wrong magic number is rejected', () => {
  assert.throws(() => parseLabelIdx(labelIdx([1], { magic: 7 }), 'lab'), /lab .*magic number 2049.*found 7/);
});

test('a truncated image file is rejected with the expected and found sizes', () => {
  const bytes = imageIdx(3).subarray(0, 16 + 2 * 784 + 100);
  assert.throws(
    () => parseImageIdx(bytes, 'img'),
    /Expected img to hold a 16-byte header \+ 3 images x 28 x 28 = 2368 bytes, found 1684: the file is truncated/,
  );
});

test('an image file longer than its header declares is rejected', () => {
  const bytes = Buffer.concat([imageIdx(2), Buffer.alloc(5)]);
  assert.throws(() => parseImageIdx(bytes, 'img'), /= 1584 bytes, found 1589: 5 bytes more than its header declares/);
});

test('a truncated or oversized label file is rejected', () => {
  assert.throws(
    () => parseLabelIdx(labelIdx([1, 2, 3]).subarray(0, 10), 'lab'),
    /lab .*= 11 bytes, found 10: .*truncated/,
  );
  assert.throws(() => parseLabelIdx(Buffer.concat([labelIdx([1]), Buffer.from([1])]), 'lab'), /1 bytes more/);
});

test('a file shorter than its header is rejected', () => {
  assert.throws(
    () => parseImageIdx(Buffer.alloc(7), 'img'),
    /img to start with a 16-byte IDX image header, found 7 bytes/,
  );
  assert.throws(
    () => parseLabelIdx(Buffer.alloc(0), 'lab'),
    /lab to start with an 8-byte IDX label header, found 0 bytes/,
  );
});

test('images other than 28x28 are rejected', () => {
  assert.throws(
    () => parseImageIdx(imageIdx(1, { rows: 32, cols: 32 }), 'img'),
    /Expected img to hold 28x28 images, found 32x32/,
  );
});

test('a label outside 0..9 is rejected with its index', () => {
  assert.throws(
    () => parseLabelIdx(labelIdx([0, 9, 10]), 'lab'),
    /Expected lab to hold labels 0\.\.9, found 10 at index 2/,
  );
});

test('gzip files stream to the same values as the bytes, across many 1 MiB pieces', async () => {
  const { dir, remove } = tempDir();
  try {
    // Random pixels do not compress, so the file inflates in several pieces.
    const random = crypto.randomBytes(3000 * 784);
    const raw = imageIdx(3000, { pixel: (n, i) => random[n * 784 + i] as number });
    const file = path.join(dir, 'x-images.gz');
    fs.writeFileSync(file, gzip(raw));
    const { count, images } = await readImagesFile(file);
    assert.equal(count, 3000);
    assert.deepEqual(images, scaleImages(random));
  } finally {
    remove();
  }
});

test('uncompressed IDX files (no .gz) read the same way', async () => {
  const { dir, remove } = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'imgs'), imageIdx(2));
    fs.writeFileSync(path.join(dir, 'labs'), labelIdx([4, 5]));
    assert.equal((await readImagesFile(path.join(dir, 'imgs'))).count, 2);
    assert.deepEqual(Array.from(await readLabelsFile(path.join(dir, 'labs'))), [4, 5]);
  } finally {
    remove();
  }
});

test('a gzip file without .gz in its name is rejected with a hint', async () => {
  const { dir, remove } = tempDir();
  try {
    const file = path.join(dir, 'imgs');
    fs.writeFileSync(file, gzip(imageIdx(1)));
    await assert.rejects(
      readImagesFile(file),
      /imgs .*found \d+ \(0x1f8b08\w\w, the start of gzip data: name the file \*\.gz\)/,
    );
  } finally {
    remove();
  }
});

test('corrupt gzip data is rejected, naming the file', async () => {
  const { dir, remove } = tempDir();
  try {
    const good = gzip(imageIdx(50, { pixel: (n, i) => (n * i) % 251 }));
    const flipped = Buffer.from(good);
    for (let i = 20; i < 60; i++) flipped[i] = (flipped[i] as number) ^ 0xff;
    const cases: Array<[string, Buffer]> = [
      ['flipped.gz', flipped],
      ['cut.gz', good.subarray(0, Math.floor(good.length / 2))],
      ['plain.gz', imageIdx(1)],
    ];
    for (const [name, bytes] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      await assert.rejects(
        readImagesFile(file),
        new RegExp(`Expected ${file.replace(/[.]/g, '\\.')} to be complete, valid gzip data, found a corrupt stream: `),
        name,
      );
    }
  } finally {
    remove();
  }
});

test('a truncated file inside valid gzip is rejected as truncated', async () => {
  const { dir, remove } = tempDir();
  try {
    const file = path.join(dir, 'short.gz');
    fs.writeFileSync(file, gzip(labelIdx([1, 2, 3, 4]).subarray(0, 10)));
    await assert.rejects(readLabelsFile(file), /short\.gz to hold an 8-byte header \+ 4 labels = 12 bytes, found 10/);
  } finally {
    remove();
  }
});

test('unreadable paths are rejected, naming the path and what is there', async () => {
  const { dir, remove } = tempDir();
  try {
    const missing = path.join(dir, 'missing.gz');
    await assert.rejects(
      readImagesFile(missing),
      new RegExp(`Expected ${missing} to be a readable file, found no such file`),
    );
    const folder = path.join(dir, 'folder.gz');
    fs.mkdirSync(folder);
    await assert.rejects(
      readLabelsFile(folder),
      new RegExp(`Expected ${folder} to be a readable file, found a directory`),
    );
  } finally {
    remove();
  }
});
