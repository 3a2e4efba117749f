/**
 * The checks of notebooks/rnn-exercises.ipynb: each takes the learner's answer, runs it, and says
 * in one line whether it is right, with the first number that differs and a hint when not. Where
 * TensorFlow has an answer (the GRU step, clipping by global norm) the numbers are TensorFlow's own
 * (lib/exercises/reference.ts); elsewhere the check computes what is expected from the definition.
 *
 * A check never throws for a wrong answer, so that a notebook with unsolved exercises still runs
 * to the end: an answer that throws is reported as not yet right.
 */
import * as tf from '@tensorflow/tfjs-node';
import type { AnyModel, BasicRNNCell } from '../model';
import { imageCols, imageRows } from '../data';
import { CLIP_REFERENCE, GRU_REFERENCE } from './reference';

/** Where a check's verdict goes: the cell output by default. */
export type Log = (line: string) => void;

/** The GRU's weights, as TF-1's GRUCell holds them (lib/model/cells.ts `gruCell`). */
export interface GruWeights {
  /** [inputSize + numUnits, 2 * numUnits]: the reset gate r, then the update gate u */
  gatesKernel: tf.Tensor2D;
  /** [2 * numUnits] */
  gatesBias: tf.Tensor1D;
  /** [inputSize + numUnits, numUnits] */
  candidateKernel: tf.Tensor2D;
  /** [numUnits] */
  candidateBias: tf.Tensor1D;
}

/** One GRU step: x [batch, inputSize] and h [batch, numUnits] to the new h [batch, numUnits]. */
export type GruStep = (x: tf.Tensor2D, h: tf.Tensor2D, weights: GruWeights) => tf.Tensor2D;

const TOLERANCE = 1e-5;

/** The verdict, logged; `true` when right. */
function verdict(log: Log, ok: boolean, text: string): boolean {
  log(`${ok ? '✓ Right' : '✗ Not yet'}: ${text}`);
  return ok;
}

/** The answer's result, or the verdict on what it threw. */
function attempt<T>(log: Log, name: string, run: () => T): { value: T } | { failed: boolean } {
  try {
    return { value: run() };
  } catch (error) {
    return { failed: verdict(log, false, `${name} threw: ${error instanceof Error ? error.message : String(error)}`) };
  }
}

/** The first element where `got` and `want` differ by more than the tolerance, as "[i][j]: want w, got g". */
function firstDifference(got: tf.Tensor, want: tf.Tensor): string | undefined {
  if (got.shape.join() !== want.shape.join())
    return `shape: want [${want.shape.join(', ')}], got [${got.shape.join(', ')}]`;
  const [g, w] = [got.dataSync(), want.dataSync()];
  const i = w.findIndex((value, k) => !(Math.abs(value - g[k]!) <= TOLERANCE));
  if (i < 0) return undefined;
  const index = want.shape.map(
    (_, axis) => Math.floor(i / tf.util.sizeFromShape(want.shape.slice(axis + 1))) % want.shape[axis]!,
  );
  return `[${index.join('][')}]: want ${w[i]!.toPrecision(6)}, got ${g[i]!.toPrecision(6)}`;
}

/**
 * Exercise 1: the model's basic cell applies ReLU, `h' = relu([x, h] @ kernel + bias)`, checked on
 * random inputs and states with the model's own weights.
 */
export function checkReluCell(model: AnyModel, log: Log = console.log): boolean {
  if (!('kernel' in model.cell) || model.cell.kernel.shape[1] !== model.cell.numUnits) {
    return verdict(log, false, `expected a model with the basic cell (cell: 'basic'), got '${model.config.cell}'`);
  }
  const cell = model.cell as BasicRNNCell;
  const problem = tf.tidy(() => {
    const x = tf.randomNormal([4, cell.inputSize], 0, 1, 'float32', 1) as tf.Tensor2D;
    const h = tf.randomNormal([4, cell.numUnits], 0, 1, 'float32', 2) as tf.Tensor2D;
    const want = tf.relu(tf.add(tf.matMul(tf.concat([x, h], 1), cell.kernel), cell.bias));
    return firstDifference(cell.call(x, h).output, want);
  });
  return problem === undefined
    ? verdict(log, true, "the cell's step is relu([x, h] @ kernel + bias)")
    : verdict(
        log,
        false,
        `the cell's step is not relu([x, h] @ kernel + bias) at ${problem}. Hint: createModel({ ..., activation: tf.relu })`,
      );
}

/** Exercise 2: a GRU step from its equations, run over TensorFlow's inputs, against TensorFlow's GRUCell at every step. */
export function checkGruStep(gruStep: GruStep, log: Log = console.log): boolean {
  const result = attempt(log, 'gruStep', () =>
    tf.tidy(() => {
      const weights: GruWeights = {
        gatesKernel: tf.tensor2d(GRU_REFERENCE.gatesKernel as number[][]),
        gatesBias: tf.tensor1d(GRU_REFERENCE.gatesBias as number[]),
        candidateKernel: tf.tensor2d(GRU_REFERENCE.candidateKernel as number[][]),
        candidateBias: tf.tensor1d(GRU_REFERENCE.candidateBias as number[]),
      };
      const steps = tf.unstack(tf.tensor3d(GRU_REFERENCE.x as number[][][]), 1) as tf.Tensor2D[];
      const want = tf.unstack(tf.tensor3d(GRU_REFERENCE.outputs as number[][][]), 1);
      let h = tf.zerosLike(want[0]!) as tf.Tensor2D;
      for (const [t, x] of steps.entries()) {
        h = gruStep(x, h, weights);
        const problem = firstDifference(h, want[t]!);
        if (problem !== undefined) return `at step ${t + 1} of ${steps.length}, h${problem}`;
      }
      return undefined;
    }),
  );
  if ('failed' in result) return false;
  return result.value === undefined
    ? verdict(log, true, "gruStep gives TensorFlow's GRUCell outputs at all 5 steps")
    : verdict(
        log,
        false,
        `gruStep differs from TensorFlow's GRUCell ${result.value}. Hint: r comes first in the gates, and h' = u * h + (1 - u) * c`,
      );
}

/** Exercise 3: clipping by global norm, against `tf.clip_by_global_norm`'s own results. */
export function checkClipByGlobalNorm(
  clip: (grads: tf.Tensor[], clipNorm: number) => tf.Tensor[],
  log: Log = console.log,
): boolean {
  const result = attempt(log, 'clipByGlobalNorm', () =>
    tf.tidy(() => {
      const grads = CLIP_REFERENCE.gradients.map((g) => tf.tensor(g as number[]));
      const want = CLIP_REFERENCE.clipped.map((g) => tf.tensor(g as number[]));
      const got = clip(grads, CLIP_REFERENCE.clipNorm);
      if (!Array.isArray(got) || got.length !== want.length)
        return `expected ${want.length} tensors back, got ${Array.isArray(got) ? got.length : typeof got}`;
      for (const [i, g] of got.entries()) {
        const problem = firstDifference(g, want[i]!);
        if (problem !== undefined) return `gradient ${i}${problem}`;
      }
      // Below the limit, nothing changes.
      const small = clip(grads, CLIP_REFERENCE.globalNorm * 2);
      const unchanged = small.map((g, i) => firstDifference(g, grads[i]!)).find((p) => p !== undefined);
      return unchanged === undefined ? undefined : `with a clipNorm above the global norm, gradient${unchanged}`;
    }),
  );
  if ('failed' in result) return false;
  return result.value === undefined
    ? verdict(
        log,
        true,
        `clipByGlobalNorm gives tf.clip_by_global_norm's results (global norm ${CLIP_REFERENCE.globalNorm.toFixed(4)}, clipNorm ${CLIP_REFERENCE.clipNorm})`,
      )
    : verdict(
        log,
        false,
        `clipByGlobalNorm differs from tf.clip_by_global_norm: ${result.value}. Hint: one norm over all the tensors together, sqrt(sum of every element squared), and one factor for all`,
      );
}

/** Exercise 4: every image transposed, so that the model reads its columns as it read rows. */
export function checkColumns(columns: (images: Float32Array) => Float32Array, log: Log = console.log): boolean {
  const size = imageRows * imageCols;
  // Three images whose every pixel is its own number: image i, row r, column c holds i * size + r * cols + c.
  const images = Float32Array.from({ length: 3 * size }, (_, k) => k);
  const result = attempt(log, 'columns', () => columns(images.slice()));
  if ('failed' in result) return false;
  const got = result.value;
  if (!(got instanceof Float32Array) || got.length !== images.length) {
    return verdict(
      log,
      false,
      `expected a Float32Array of ${images.length} pixels back, got ${got instanceof Float32Array ? `${got.length} pixels` : typeof got}`,
    );
  }
  for (let k = 0; k < images.length; k++) {
    const [i, step, input] = [Math.floor(k / size), Math.floor((k % size) / imageCols), k % imageCols];
    const want = i * size + input * imageCols + step; // step t of the new image is column t of the old
    if (got[k] !== want) {
      return verdict(
        log,
        false,
        `image ${i}, step ${step}, input ${input} should be pixel (row ${input}, column ${step}), got value ${got[k]} (want ${want}). Hint: place (c, r) of the new image is pixel (r, c) of the old`,
      );
    }
  }
  return verdict(log, true, 'columns gives each image transposed: step t reads column t, top to bottom');
}
