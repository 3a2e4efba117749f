/**
 * `traceStep(fn)`: an eager tfjs step that runs as one TensorFlow graph call, as `tf.function`
 * does for TensorFlow 2 and `jax.jit` for JAX. The first call with a given signature (the shapes
 * and dtypes of its inputs) records the step (tracer/record.ts), writes the graph, prunes what
 * no output needs, and loads it into a session (tracer/session.ts); that call and every later one
 * with the same signature run the graph. A new signature is traced anew.
 *
 * The tfjs variables stay the one owner of the state: each call feeds the values of the
 * variables the step reads, and assigns the values the graph computed to those it writes.
 */
import type * as tf from '@tensorflow/tfjs-node';
import { backend, setValue } from './backend';
import { prune, savedModelBytes } from './graph-def';
import { record, TraceError } from './record';
import { rewrite } from './rewrite';
import { loadSession, type Session } from './session';

/** What one trace made: for benchmarks, tests and the curious. */
export interface TraceInfo {
  /** The inputs' dtypes and shapes: `float32[50,28,28] int32[50]`. */
  signature: string;
  /** Kernels the eager step ran. */
  ops: number;
  /** Nodes of the graph after pruning (placeholders and constants included). */
  nodes: number;
  variablesRead: number;
  variablesWritten: number;
  /** Recording the eager step, and writing and loading the graph. */
  traceMs: number;
  /** The kernels the step ran, by op. */
  opCounts: Record<string, number>;
  /** How many times each rewrite of tracer/rewrite.ts applied. */
  rewrites: { tanhGrad: number; stackedMatMul: number };
  /**
   * The graph as a SavedModel (`saved_model.pb`'s bytes): placeholders `input0`… and
   * `variable0`… (the variables read), outputs `output0`… and `new0`… (the variables' new values).
   */
  savedModel: Uint8Array;
}

/** A traced step: call it like `fn`. */
export interface TracedStep<Args extends tf.Tensor[], Result> {
  (...inputs: Args): Result;
  /** One entry per signature traced so far, oldest first. */
  readonly traces: readonly TraceInfo[];
  /** Frees the graphs; a later call traces again. */
  dispose(): void;
}

interface Compiled {
  session: Session;
  reads: tf.Variable[];
  writes: tf.Variable[];
  nOutputs: number;
}

/**
 * Traces `fn`, a step that returns a tensor, an array of tensors, or nothing, into one graph per
 * input signature.
 * @throws TraceError, at the first call with a signature, for a step a fixed graph cannot run
 *   (tracer/README.md lists what is refused and why)
 */
export function traceStep<Args extends tf.Tensor[], Result extends tf.Tensor | tf.Tensor[] | void>(
  fn: (...inputs: Args) => Result,
): TracedStep<Args, Result> {
  const graphs = new Map<string, Compiled>();
  const traces: TraceInfo[] = [];
  let returnsArray = false;
  const call = (...inputs: Args): Result => {
    const signature = inputs.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
    let compiled = graphs.get(signature);
    if (compiled === undefined) {
      const started = performance.now();
      const recording = record((...args) => {
        const result = fn(...(args as Args));
        returnsArray = Array.isArray(result);
        return result;
      }, inputs);
      const outputs = [...recording.outputs, ...recording.writes.map((w) => w.value)];
      const rewrites = rewrite(recording.nodes, recording.shapes);
      const nodes = prune(recording.nodes, outputs);
      const savedModel = savedModelBytes(nodes);
      const feeds = [...recording.inputs, ...recording.reads.map((r) => r.placeholder)];
      compiled = {
        session: loadSession(savedModel, feeds, outputs),
        reads: recording.reads.map((r) => r.variable),
        writes: recording.writes.map((w) => w.variable),
        nOutputs: recording.outputs.length,
      };
      graphs.set(signature, compiled);
      traces.push({
        signature,
        ops: Object.values(recording.opCounts).reduce((a, b) => a + b, 0),
        nodes: nodes.length,
        variablesRead: compiled.reads.length,
        variablesWritten: compiled.writes.length,
        traceMs: performance.now() - started,
        opCounts: recording.opCounts,
        rewrites,
        savedModel,
      });
    }
    return run(compiled, inputs, returnsArray) as Result;
  };
  return Object.assign(call, {
    traces: traces as readonly TraceInfo[],
    dispose() {
      for (const { session } of graphs.values()) session.dispose();
      graphs.clear();
    },
  });
}

function run(compiled: Compiled, inputs: tf.Tensor[], returnsArray: boolean): tf.Tensor | tf.Tensor[] | undefined {
  const gone = compiled.reads.find((v) => v.isDisposed) ?? compiled.writes.find((v) => v.isDisposed);
  if (gone !== undefined) {
    throw new TraceError(
      `tracer: the step's variable ${gone.name} has been disposed; trace the step again with its new variables`,
    );
  }
  const results = compiled.session.run([...inputs, ...compiled.reads]);
  const b = backend();
  const outputs = results.slice(0, compiled.nOutputs).map((m) => b.createOutputTensor(m));
  compiled.writes.forEach((variable, i) => setValue(b, variable, results[compiled.nOutputs + i]!));
  return returnsArray ? outputs : outputs[0];
}
