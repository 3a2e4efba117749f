/**
 * A graph loaded into a TensorFlow session through tfjs-node's binding: tfjs-node can load a graph
 * only from a SavedModel directory, so `loadSession` writes one (`saved_model.pb`, no checkpoint,
 * tracer/graph-def.ts) into a temporary directory, loads it and deletes the directory. The graphs
 * the tracer writes hold no variables, so a session holds no state between runs: only the graph.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs-node';
import type { TensorMetadata } from '@tensorflow/tfjs-node/dist/tfjs_binding';
import { backend } from './backend';

/** A loaded graph: feed its placeholders, get the outputs fetched, as tfjs tensors. */
export interface Session {
  /**
   * Runs the graph once.
   * @param feeds one tensor per placeholder of `inputs` given to `loadSession`, in that order
   * @returns the `outputs` given to `loadSession`, in order, as the binding's tensors: the caller
   *   makes each a tfjs tensor or a variable's value (tracer/backend.ts), which then owns it
   */
  run(feeds: readonly tf.Tensor[]): TensorMetadata[];
  dispose(): void;
}

// Frees the TensorFlow session of a Session dropped without dispose(), as when a notebook
// cell that makes a model runs again. Made on first use, so that importing does nothing.
let finalizer: FinalizationRegistry<number> | undefined;

/**
 * Loads the SavedModel `bytes` into a session.
 * @param inputs the placeholders fed at each run (`name:0`)
 * @param outputs the outputs (`name:k`) each run fetches
 */
export function loadSession(bytes: Uint8Array, inputs: readonly string[], outputs: readonly string[]): Session {
  const b = backend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-'));
  let id: number;
  try {
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), bytes);
    id = b.binding.loadSavedModel(dir, 'serve');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [inputNames, outputNames] = [inputs.join(','), outputs.join(',')];
  let open = true;
  const session: Session = {
    run(feeds) {
      if (!open) throw new Error('tracer: the traced step has been disposed');
      return b.binding.runSavedModel(id, b.getInputTensorIds(feeds as tf.Tensor[]), inputNames, outputNames);
    },
    dispose() {
      if (open) {
        b.binding.deleteSavedModel(id);
        finalizer?.unregister(session);
      }
      open = false;
    },
  };
  finalizer ??= new FinalizationRegistry((savedModelId) => b.binding.deleteSavedModel(savedModelId));
  finalizer.register(session, id, session);
  return session;
}
