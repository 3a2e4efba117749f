/**
 * Training over long sequences, a chunk of steps per graph call (`ModelConfig.chunkSteps`).
 *
 * The training step of lib/model/model.ts is traced whole: one graph with every step of the
 * sequence unrolled in it. For 28 rows that graph is small; for 784 pixels one at a time it has
 * 88,000 nodes with the LSTM cell, and TensorFlow takes about 70 s to build and optimise it
 * before the first step (bench/README.md). So here the sequence is cut into chunks of
 * `chunkSteps` steps, and four small graphs, traced once each, do the step between them:
 *
 *   forward   (x chunk, state) → state at the chunk's end         one call per chunk, first to last
 *   head      (final state, y) → loss, d loss/d state, the dense layer's gradients
 *   backward  (x chunk, state at its start, d loss/d state at its end, cell gradients so far)
 *             → d loss/d state at its start, cell gradients plus this chunk's      last to first
 *   apply     (every gradient) → Adam's update of the variables (clipped first if asked)
 *
 * The gradient still flows back through every step, as in the whole graph: `backward` runs its
 * chunk's forward pass again and takes its gradients with tfjs's autodiff (`engine.gradients`
 * with the incoming d loss/d state as `dy`), the trade of compute for memory known as gradient
 * checkpointing. Only the float rounding differs from the whole graph
 * (test/unit/chunked.test.ts). A state travels between calls as one tensor: the cell's state
 * parts (c and h for the LSTM) side by side.
 */
import * as tf from '@tensorflow/tfjs-node';
import { traceStep, type TraceInfo } from '../../tracer';
import type { AdamOptimizer } from './adam';
import type { RNNCell } from './cells';
import { clipByGlobalNorm } from './clip';
import { dynamicRnn, sparseSoftmaxCrossEntropyWithLogits, type FullyConnected } from './nn';
import { inShards } from './shards';

export interface ChunkedSteps {
  /** @param x [batch, nSteps, nInputs] @returns [batch, nOutputs], the chunks run in turn */
  logits: (x: tf.Tensor3D) => tf.Tensor2D;
  /** The gradients of the mean cross-entropy, in the variables' order (the cell's, then the dense layer's). */
  gradients: (x: tf.Tensor3D, y: tf.Tensor1D) => tf.Tensor[];
  /** One Adam step on the batch. */
  train: (x: tf.Tensor3D, y: tf.Tensor1D) => void;
  /** The four graphs' traces (a graph per batch and chunk shape). */
  readonly traces: readonly TraceInfo[];
  dispose(): void;
}

/** The state's parts side by side: [batch, numUnits] per part. */
function packState(state: unknown): tf.Tensor2D {
  return state instanceof tf.Tensor
    ? (state as tf.Tensor2D)
    : tf.concat(Object.values(state as Record<string, tf.Tensor2D>), 1);
}

/**
 * The names of a cell's state parts (`c`, `h` for the LSTM), or undefined for a state that is one
 * tensor: read once from a zero state, so that unpacking a state makes no tensors to throw away.
 */
function statePartsOf<State>(cell: RNNCell<State>): string[] | undefined {
  const template = cell.zeroState(1);
  if (template instanceof tf.Tensor) {
    template.dispose();
    return undefined;
  }
  tf.dispose(Object.values(template as object) as tf.Tensor[]);
  return Object.keys(template as object);
}

/** The state `packState` packed, in the structure `statePartsOf` read. */
function unpackState<State>(parts: string[] | undefined, packed: tf.Tensor2D): State {
  if (parts === undefined) return packed as State;
  const split = tf.split(packed, parts.length, 1);
  return Object.fromEntries(parts.map((key, i) => [key, split[i]])) as State;
}

interface Parts<State> {
  cell: RNNCell<State>;
  logitsLayer: FullyConnected;
  optimizer: AdamOptimizer;
  chunkSteps: number;
  shards: number;
  clipNorm: number | undefined;
}

/** The four traced graphs of the top of this file, and the logits of a final state. */
function graphsOf<State>({ cell, logitsLayer, optimizer, shards, clipNorm }: Parts<State>) {
  const cellVariables = cell.variables.map((v) => v.variable);
  const headVariables = [logitsLayer.weights, logitsLayer.biases];
  const stateParts = statePartsOf(cell);
  // [batch, steps, nInputs], [batch, state] → [batch, state]: the cell over one chunk.
  const run = (x: tf.Tensor3D, s: tf.Tensor2D) =>
    inShards([x, s], shards, (xi: tf.Tensor3D, si: tf.Tensor2D) =>
      packState(dynamicRnn(cell, xi, { initialState: unpackState<State>(stateParts, si) }).states),
    );
  const logitsOf = (s: tf.Tensor2D) => logitsLayer.apply(cell.outputOf(unpackState<State>(stateParts, s)));
  const forward = traceStep((x: tf.Tensor3D, s: tf.Tensor2D) => tf.tidy(() => run(x, s)));
  const head = traceStep((s: tf.Tensor2D, y: tf.Tensor1D) => {
    const loss = () => tf.mean(sparseSoftmaxCrossEntropyWithLogits(y, logitsOf(s))) as tf.Scalar;
    const { value, grads } = tf.engine().gradients(loss, [s, ...headVariables]);
    return [value, ...grads];
  });
  const backward = traceStep((x: tf.Tensor3D, s: tf.Tensor2D, dsEnd: tf.Tensor2D, ...sums: tf.Tensor[]) => {
    const { value, grads } = tf.engine().gradients(() => run(x, s), [s, ...cellVariables], dsEnd);
    value.dispose();
    const [dsStart, ...dCell] = grads;
    return [dsStart!, ...dCell.map((g, i) => tf.add(sums[i]!, g))];
  });
  const apply = traceStep((...grads: tf.Tensor[]) => {
    tf.tidy(() => optimizer.applyGradients(clipNorm === undefined ? grads : clipByGlobalNorm(grads, clipNorm).clipped));
  });
  return { forward, head, backward, apply, logitsOf, cellVariables };
}

/**
 * The chunked training step of a model's layers.
 * @param parts.chunkSteps steps per chunk; the last chunk takes what is left
 */
export function chunkedSteps<State>(parts: Parts<State>): ChunkedSteps {
  const { cell, chunkSteps } = parts;
  const { forward, head, backward, apply, logitsOf, cellVariables } = graphsOf(parts);
  const chunksOf = (x: tf.Tensor3D) => {
    const n = x.shape[1];
    const sizes = Array.from({ length: Math.ceil(n / chunkSteps) }, (_, i) => Math.min(chunkSteps, n - i * chunkSteps));
    return tf.split(x, sizes, 1) as tf.Tensor3D[];
  };
  // The state at the start of every chunk, and at the end of the last: [chunks + 1] x [batch, state].
  const statesOf = (chunks: tf.Tensor3D[]) => {
    const states = [packState(cell.zeroState(chunks[0]!.shape[0]))];
    for (const chunk of chunks) states.push(forward(chunk, states[states.length - 1]!));
    return states;
  };
  const gradients = (x: tf.Tensor3D, y: tf.Tensor1D) =>
    tf.tidy(() => {
      const chunks = chunksOf(x);
      const states = statesOf(chunks);
      const [, dsFinal, ...dHead] = head(states[chunks.length]!, y);
      let ds = dsFinal as tf.Tensor2D;
      let dCell = cellVariables.map((v) => tf.zerosLike(v) as tf.Tensor);
      for (let i = chunks.length - 1; i >= 0; i--) {
        const [dsStart, ...sums] = backward(chunks[i]!, states[i]!, ds, ...dCell);
        [ds, dCell] = [dsStart as tf.Tensor2D, sums];
      }
      return [...dCell, ...dHead];
    });
  return {
    logits: (x) => tf.tidy(() => logitsOf(statesOf(chunksOf(x)).pop()!)),
    gradients,
    train: (x, y) => tf.tidy(() => apply(...gradients(x, y))),
    get traces() {
      return [forward, head, backward, apply].flatMap((step) => step.traces);
    },
    dispose: () => [forward, head, backward, apply].forEach((step) => step.dispose()),
  };
}
