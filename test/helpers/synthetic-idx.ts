// Small IDX files made in the test, for the data tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

/** An IDX image file: header (magic, count, rows, cols) then `pixel(image, i)` per pixel. */
export function imageIdx(
  count: number,
  options: { rows?: number; cols?: number; magic?: number; pixel?: (image: number, i: number) => number } = {},
): Buffer {
  const rows = options.rows ?? 28;
  const cols = options.cols ?? 28;
  const pixel = options.pixel ?? ((image, i) => (image * 7 + i) % 256);
  const out = Buffer.alloc(16 + count * rows * cols);
  out.writeUInt32BE(options.magic ?? 2051, 0);
  out.writeUInt32BE(count, 4);
  out.writeUInt32BE(rows, 8);
  out.writeUInt32BE(cols, 12);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < rows * cols; i++) out[16 + n * rows * cols + i] = pixel(n, i);
  }
  return out;
}

/** An IDX label file: header (magic, count) then the labels. */
export function labelIdx(labels: readonly number[], options: { magic?: number } = {}): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(options.magic ?? 2049, 0);
  out.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => (out[8 + i] = label));
  return out;
}

export function gzip(data: Buffer): Buffer {
  return zlib.gzipSync(data);
}

/** A fresh empty folder under the OS temp dir; `remove()` deletes it. */
export function tempDir(prefix = 'data-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const mnistNames = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Writes the four gzip MNIST-named files of a tiny data set into `dir`. */
export function writeTinyMnist(dir: string, trainCount = 12, testCount = 4): void {
  const labels = (n: number, offset: number) => Array.from({ length: n }, (_, i) => (i + offset) % 10);
  fs.writeFileSync(path.join(dir, mnistNames.trainImages), gzip(imageIdx(trainCount)));
  fs.writeFileSync(path.join(dir, mnistNames.trainLabels), gzip(labelIdx(labels(trainCount, 0))));
  fs.writeFileSync(
    path.join(dir, mnistNames.testImages),
    gzip(imageIdx(testCount, { pixel: (n, i) => (n + i) % 256 })),
  );
  fs.writeFileSync(path.join(dir, mnistNames.testLabels), gzip(labelIdx(labels(testCount, 3))));
}
