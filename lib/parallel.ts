/**
 * Data parallelism over two cores: each training step splits its batch in
 * two, this thread computes the gradients of one half while a worker thread
 * (lib/parallel-worker.ts) computes the other's, and one Adam step applies
 * their sum, which is the gradient of the whole batch's mean loss.
 *
 * Why: a step is about 180 small TensorFlow calls, so it is bound by per-call
 * overhead on one core and a TensorFlow thread pool does not help (see
 * scripts/bench.ts). Two halves run their calls side by side on two cores.
 *
 * The step stays synchronous, like `Model.trainStep`: batch halves, weights
 * and gradients pass through one SharedArrayBuffer, and the two threads
 * signal each other with Atomics, without waiting on an event loop.
 * The worker runs lib/ TypeScript through tsx (a dependency for this reason).
 */
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-node';
import { Model, rnnGradients } from './model';
import { nativeOps } from './native-ops';

// Slots of the Int32 control block at the start of the shared buffer.
/** Step number the main thread asks for; STOP ends the worker. */
export const REQUEST = 0;
/** Step number the worker has finished. */
export const DONE = 1;
/** 0: the worker's gradient is in the buffer; 1: it failed (message on the port). */
export const FAILED = 2;
/** Examples in the worker's half. */
export const BATCH = 3;
/** The whole batch the loss is the mean over. */
export const MEAN_OVER = 4;
/**
 * The last step whose second half a thread took (Atomics.compareExchange from
 * step - 1 to step): the worker, or this thread if it finishes its own half
 * first. Then a worker that the OS has not yet run (another process on its
 * core) costs one more half in this thread, not a wait of many milliseconds.
 */
export const CLAIMED = 5;
export const STOP = -1;
const CONTROL_BYTES = 8 * Int32Array.BYTES_PER_ELEMENT;

/** What the worker is started with (its `workerData`). */
export interface WorkerInit {
  nSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
  /** Largest half a step hands to the worker. */
  capacity: number;
  buffer: SharedArrayBuffer;
  /** Where the worker posts the message of an error. */
  errors: MessagePort;
}

type Shape = Omit<WorkerInit, 'errors' | 'buffer'>;

/** Floats in kernel, bias, weights and biases together. */
function parameterCount({ nInputs, nNeurons, nOutputs }: Shape): number {
  return (nInputs + nNeurons) * nNeurons + nNeurons + nNeurons * nOutputs + nOutputs;
}

/** Views of the shared buffer, the same on both sides. */
export function sharedViews(init: Shape, buffer: SharedArrayBuffer) {
  const { nSteps, nInputs, capacity } = init;
  const total = parameterCount(init);
  const floats = new Float32Array(buffer, CONTROL_BYTES);
  return {
    control: new Int32Array(buffer, 0, CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT),
    /** The variables before the step, joined in the model's order: kernel, bias, weights, biases. */
    weights: floats.subarray(0, total),
    /** The worker's gradient, joined in the same order. */
    gradient: floats.subarray(total, 2 * total),
    /** [capacity, nSteps * nInputs] */
    images: floats.subarray(2 * total, 2 * total + capacity * nSteps * nInputs),
    /** [capacity] */
    labels: new Int32Array(buffer, CONTROL_BYTES + (2 * total + capacity * nSteps * nInputs) * 4, capacity),
  };
}

function bufferBytes(init: Shape): number {
  const { nSteps, nInputs, capacity } = init;
  return CONTROL_BYTES + (2 * parameterCount(init) + capacity * nSteps * nInputs + capacity) * 4;
}

export interface ParallelTrainer {
  /**
   * The gradient of the batch's mean loss, its second half computed by the worker.
   * @param x [batch, nSteps * nInputs], batch from 2 to 2 * floor(batchSize / 2) + 1
   * @param y [batch] int32
   * @returns [total size of the variables]: the gradients for kernel, bias, weights, biases, joined
   */
  gradient(x: Float32Array, y: Int32Array): Float32Array;
  /**
   * One Adam step on one batch, as `model.trainStep` takes it, from `gradient(x, y)`;
   * a batch of 1 is stepped by `model.trainStep` alone.
   */
  trainStep(x: Float32Array, y: Int32Array): void;
  /** Stops the worker and waits until it has exited. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts one gradient worker for `model` and resolves once it is ready
 * (about half a second: it loads tfjs-node). Call `close()` when done, also
 * after an error or an abort; the worker does not keep Node alive by itself.
 * @param options.batchSize the largest batch `trainStep` will get
 * @param options.timeoutMs how long a step waits for the worker before it throws
 */
export async function startParallelTrainer(
  model: Model,
  options: { batchSize: number; timeoutMs?: number },
): Promise<ParallelTrainer> {
  const { nSteps, nInputs, nNeurons, nOutputs } = model.config;
  const { batchSize, timeoutMs = 60_000 } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new Error(`Expected \`batchSize\` to be a positive integer, got ${batchSize}`);
  }
  const shape = { nSteps, nInputs, nNeurons, nOutputs, capacity: Math.floor(batchSize / 2) || 1 };
  const buffer = new SharedArrayBuffer(bufferBytes(shape));
  const shared = sharedViews(shape, buffer);
  const { control } = shared;
  const { port1: errors, port2: workerErrors } = new MessageChannel();
  const init: WorkerInit = { ...shape, buffer, errors: workerErrors };

  // tfjs-node's binding keeps op attribute names in one process-wide std::set that it
  // inserts into without a lock (binding/tfjs_backend.cc, ATTR_NAME_SET). Two threads adding
  // a new name at once corrupt it and both spin forever (seen once in about 25 runs). So one
  // step's ops run here first, on one example, before the worker exists: every name a step
  // uses is then in the set, and during steps both threads only read it.
  const ops = nativeOps();
  tf.dispose(
    tf.tidy(() => rnnGradients(model.basicCell, model.logitsLayer, tf.zeros([1, nSteps, nInputs]), tf.zeros([1], 'int32'), ops).gradients),
  );

  // An inline CommonJS entry, so that the worker needs no compiled JS: it registers tsx,
  // then loads lib/parallel-worker.ts (and lib/model.ts) as TypeScript.
  const entry = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();
require(${JSON.stringify(path.join(__dirname, 'parallel-worker.ts'))}).serveGradients(require('worker_threads').workerData);`;
  const worker = new Worker(entry, { eval: true, workerData: init, transferList: [workerErrors] });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let onError: (error: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onError = reject;
      onExit = (code) => reject(new Error(`parallel: the gradient worker exited with code ${code} before it was ready`));
      worker.once('message', () => resolve());
      worker.on('error', onError).on('exit', onExit);
    });
  } catch (error) {
    errors.close();
    await worker.terminate();
    throw error;
  } finally {
    worker.off('error', onError).off('exit', onExit);
  }
  // Errors come back through the FAILED slot and the port; an 'error' event
  // with no listener would crash the process instead.
  worker.on('error', () => undefined);
  worker.unref();

  const rowSize = nSteps * nInputs;
  let step = 0;
  let closed = false;

  function waitForWorker(): void {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done === step) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(control, DONE, done, left) === 'timed-out') {
        throw new Error(`parallel: the gradient worker did not answer step ${step} within ${timeoutMs} ms`);
      }
    }
    if (Atomics.load(control, FAILED) !== 0) {
      const message = receiveMessageOnPort(errors)?.message as unknown;
      throw new Error(`parallel: the gradient worker failed: ${String(message)}`);
    }
  }

  function gradient(x: Float32Array, y: Int32Array): Float32Array {
    if (closed) throw new Error('parallel: called after close()');
    const batch = y.length;
    if (x.length !== batch * rowSize) {
      throw new Error(`Expected images of ${batch} x ${nSteps}x${nInputs} floats for ${batch} labels, got ${x.length} floats`);
    }
    const theirs = Math.floor(batch / 2);
    const mine = batch - theirs;
    if (theirs === 0 || theirs > shape.capacity) {
      throw new Error(`Expected a batch of 2 to ${2 * shape.capacity + 1} (from the \`batchSize\` given at start), got ${batch}`);
    }

    let offset = 0;
    for (const v of model.variables) {
      shared.weights.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    shared.images.set(x.subarray(mine * rowSize));
    shared.labels.set(y.subarray(mine));
    Atomics.store(control, BATCH, theirs);
    Atomics.store(control, MEAN_OVER, batch);
    step += 1;
    Atomics.store(control, REQUEST, step);
    Atomics.notify(control, REQUEST);

    // This thread's half, while the worker computes the other.
    let sum: Float32Array;
    try {
      sum = ownGradient(x.subarray(0, mine * rowSize), y.subarray(0, mine), batch);
    } catch (error) {
      try {
        waitForWorker(); // so that the next step does not find this one's answer
      } catch {
        // This thread's error is the one to report.
      }
      throw error;
    }
    // The same ops on the same numbers in either thread: the same gradient, bit for bit.
    const theirGradient =
      Atomics.compareExchange(control, CLAIMED, step - 1, step) === step - 1
        ? ownGradient(x.subarray(mine * rowSize), y.subarray(mine), batch)
        : (waitForWorker(), shared.gradient);
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + theirGradient[i]!;
    return sum;
  }

  function ownGradient(x: Float32Array, y: Int32Array, meanOver: number): Float32Array {
    const gradients = tf.tidy(() => {
      const xt = tf.tensor3d(x, [y.length, nSteps, nInputs]);
      const yt = tf.tensor1d(y, 'int32');
      return rnnGradients(model.basicCell, model.logitsLayer, xt, yt, ops, meanOver).gradients;
    });
    try {
      const joined = new Float32Array(shared.gradient.length);
      let offset = 0;
      for (const g of gradients) {
        joined.set(g.dataSync() as Float32Array, offset);
        offset += g.size;
      }
      return joined;
    } finally {
      tf.dispose(gradients);
    }
  }

  return {
    gradient,
    trainStep(x, y) {
      if (y.length === 1) return model.trainStep(x, y);
      model.optimizer.applyFlatGradient(model.variables, gradient(x, y));
    },
    async close() {
      if (closed) return exited;
      closed = true;
      Atomics.store(control, REQUEST, STOP);
      Atomics.notify(control, REQUEST);
      errors.close();
      worker.ref();
      // The worker frees its tensors and exits on STOP; terminate only if it is stuck.
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
