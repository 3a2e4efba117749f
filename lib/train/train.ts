/**
 * The seed's In[5] as a function, for scripts and tests: for each epoch, one Adam
 * step per batch of the training set, then the accuracy on the last batch and on the
 * first 1000 test images. The notebook's training cell spells out the same loop.
 */
import * as tf from '@tensorflow/tfjs-node';
import { positiveInteger } from '../checks';
import { formatFloat32 } from '../format';
import type { AnyModel } from '../model/model';
import { interruptionPoint, throwIfAborted } from '../kernel/interrupt';

/** What `train` needs of a data set (lib/data/data-set.ts's `DataSet`). */
export interface TrainingData {
  readonly numExamples: number;
  nextBatch(batchSize: number): { images: Float32Array; labels: Int32Array };
}
export interface TestData {
  /** [numExamples, nSteps * nInputs] */
  readonly images: Float32Array;
  /** [numExamples] */
  readonly labels: Int32Array;
  readonly numExamples: number;
}

/** One row of the training history, as the seed prints it per epoch. */
export interface EpochResult {
  epoch: number;
  /** Accuracy on the epoch's last training batch. */
  accTrain: number;
  /** Accuracy on the first `testSize` test images. */
  accTest: number;
}

export interface TrainOptions {
  nEpochs: number;
  batchSize: number;
  /** Test images scored after each epoch; the seed's 1000. */
  testSize?: number;
  /** Batches per epoch; default floor(train.numExamples / batchSize), as in the seed. */
  iterationsPerEpoch?: number;
  /**
   * Aborting it stops training at the next batch (an abort from the event loop, such as a kernel
   * interrupt, within about 10 ms); `train` then frees its tensors and throws the AbortError.
   */
  signal?: AbortSignal;
  /** Called after each batch; a promise it returns is awaited before the next. */
  onBatch?: (progress: { epoch: number; iteration: number; iterationsPerEpoch: number }) => void | Promise<void>;
  onEpoch?: (result: EpochResult) => void | Promise<void>;
}

/**
 * Trains `model` on `data.train` as the seed's In[5] does. Prints nothing;
 * pass `onEpoch: (r) => console.log(formatEpochLine(r))` for the seed's output.
 * @returns one result per epoch
 */
export async function train(
  model: AnyModel,
  data: { train: TrainingData; test: TestData },
  options: TrainOptions,
): Promise<EpochResult[]> {
  const { nSteps, nInputs } = model.config;
  const nEpochs = positiveInteger('nEpochs', options.nEpochs);
  const batchSize = positiveInteger('batchSize', options.batchSize);
  const testSize = positiveInteger('testSize', options.testSize ?? 1000);
  const iterationsPerEpoch = positiveInteger(
    'iterationsPerEpoch',
    options.iterationsPerEpoch ?? Math.floor(data.train.numExamples / batchSize),
  );
  if (testSize > data.test.numExamples) {
    throw new Error(`Expected \`testSize\` to be at most the ${data.test.numExamples} test examples, got ${testSize}`);
  }
  const { signal, onBatch, onEpoch } = options;
  throwIfAborted(signal);

  // The seed's X_test[:1000], y_test[:1000]: made once, scored after every epoch.
  const xTest = tf.tensor3d(data.test.images.subarray(0, testSize * nSteps * nInputs), [testSize, nSteps, nInputs]);
  const yTest = tf.tensor1d(data.test.labels.subarray(0, testSize), 'int32');
  const results: EpochResult[] = [];
  try {
    for (let epoch = 0; epoch < nEpochs; epoch++) {
      let batch: { images: Float32Array; labels: Int32Array } | undefined;
      for (let iteration = 0; iteration < iterationsPerEpoch; iteration++) {
        batch = data.train.nextBatch(batchSize);
        model.trainStep(batch.images, batch.labels);
        await onBatch?.({ epoch, iteration, iterationsPerEpoch });
        await interruptionPoint(signal);
      }
      const last = batch as { images: Float32Array; labels: Int32Array };
      const result = {
        epoch,
        accTrain: model.accuracy(last.images, last.labels),
        accTest: model.accuracy(xTest, yTest),
      };
      results.push(result);
      await onEpoch?.(result);
    }
  } finally {
    tf.dispose([xTest, yTest]);
  }
  return results;
}

/** The seed's per-epoch line: `0 Train accuracy: 0.94 Test accuracy: 0.928`. */
export function formatEpochLine(r: EpochResult): string {
  return `${r.epoch} Train accuracy: ${formatFloat32(r.accTrain)} Test accuracy: ${formatFloat32(r.accTest)}`;
}
