/**
 * The worker side of lib/parallel.ts: waits for a step, computes the
 * gradients of its half of the batch with the weights the main thread wrote,
 * writes them back and signals. Runs in a worker thread, with its own tfjs-node.
 */
import { parentPort } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-node';
import { basicRNNCell, fullyConnected, rnnGradients } from './model';
import { nativeOps } from './native-ops';
import { BATCH, CLAIMED, DONE, FAILED, MEAN_OVER, REQUEST, STOP, sharedViews, WorkerInit } from './parallel';

/** The worker's main loop: returns (and the thread exits) when asked to STOP. */
export function serveGradients(init: WorkerInit): void {
  const { nSteps, nInputs, nNeurons, nOutputs } = init;
  const { control, weights, gradient, images, labels } = sharedViews(init, init.buffer);
  // Its weights are overwritten at every step; the seed only makes creating them cheap and fixed.
  const cell = basicRNNCell({ numUnits: nNeurons, inputSize: nInputs, seed: 0 });
  const dense = fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null, seed: 0 });
  const variables: tf.Variable[] = [cell.kernel, cell.bias, dense.weights, dense.biases];
  const ops = nativeOps();
  const rowSize = nSteps * nInputs;

  function computeGradient(): void {
    const batch = Atomics.load(control, BATCH);
    const meanOver = Atomics.load(control, MEAN_OVER);
    tf.tidy(() => {
      let offset = 0;
      for (const v of variables) {
        // Copies (slice): tfjs-node may read a tensor's values later than it is made.
        v.assign(tf.tensor(weights.slice(offset, offset + v.size), v.shape));
        offset += v.size;
      }
      const x = tf.tensor3d(images.slice(0, batch * rowSize), [batch, nSteps, nInputs]);
      const y = tf.tensor1d(labels.slice(0, batch), 'int32');
      const { gradients } = rnnGradients(cell, dense, x, y, ops, meanOver);
      offset = 0;
      for (const g of gradients) {
        gradient.set(g.dataSync() as Float32Array, offset);
        offset += g.size;
      }
    });
  }

  init.errors.unref();
  parentPort?.postMessage('ready');
  let step = 0;
  for (;;) {
    Atomics.wait(control, REQUEST, step);
    const request = Atomics.load(control, REQUEST);
    if (request === STOP) break;
    if (request === step) continue;
    step = request;
    // The main thread may have taken this half itself; then it does not wait for DONE.
    if (Atomics.compareExchange(control, CLAIMED, step - 1, step) !== step - 1) continue;
    try {
      computeGradient();
      Atomics.store(control, FAILED, 0);
    } catch (error) {
      Atomics.store(control, FAILED, 1);
      init.errors.postMessage(error instanceof Error ? error.stack ?? error.message : String(error));
    }
    Atomics.store(control, DONE, step);
    Atomics.notify(control, DONE);
  }
  tf.dispose(variables);
  init.errors.close();
}
