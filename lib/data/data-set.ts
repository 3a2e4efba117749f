// TensorFlow's `DataSet` (tensorflow/contrib/learn/python/learn/datasets/mnist.py): images and
// labels in memory, and `next_batch` with its shuffles and epochs.
import { imageSize } from './idx';
import { Rng, createRng, randomSeed, shuffleInPlace } from '../random';

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
