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
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend.js';

/** A loaded graph: feed its placeholders, get the outputs fetched, as tfjs tensors. */
export interface Session {
  /**
   * Runs the graph once.
   * @param feeds one tensor per name of `inputs` given to `loadSession`, in that order
   * @returns the `outputs` given to `loadSession`, in order; the caller disposes them
   */
  run(feeds: readonly tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

// Frees the TensorFlow session of a Session dropped without dispose(), as when a notebook
// cell that makes a model runs again. Made on first use, so that importing does nothing.
let finalizer: FinalizationRegistry<number> | undefined;

/**
 * Loads the SavedModel `bytes` into a session.
 * @param inputs the placeholders fed at each run, by name, with their tfjs dtypes
 * @param outputs the outputs (`name:k`) each run fetches
 */
export function loadSession(
  bytes: Uint8Array,
  inputs: readonly { name: string; dtype: tf.DataType }[],
  outputs: readonly string[],
): Session {
  const backend = nodeBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-'));
  let id: number;
  try {
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), bytes);
    id = backend.loadSavedModelMetaGraph(dir, 'serve');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const infos = inputs.map(({ name, dtype }) => ({ name: `${name}:0`, dtype, shape: [] as number[], tfDtype: '' }));
  let open = true;
  const session: Session = {
    run(feeds) {
      if (!open) throw new Error('tracer: the traced step has been disposed');
      return backend.runSavedModel(id, feeds as tf.Tensor[], infos, outputs as string[]);
    },
    dispose() {
      if (open) {
        backend.deleteSavedModel(id);
        finalizer?.unregister(session);
      }
      open = false;
    },
  };
  finalizer ??= new FinalizationRegistry((savedModelId) => backend.deleteSavedModel(savedModelId));
  finalizer.register(session, id, session);
  return session;
}
