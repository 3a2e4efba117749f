// lib/model's LSTM and GRU cells, and gradient clipping, against TensorFlow's own TF-1 code
// (BasicLSTMCell, GRUCell, dynamic_rnn, dense, tf.gradients, clip_by_global_norm,
// AdamOptimizer). The numbers come from test/fixtures/make-cells-reference.py, beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import {
  basicLSTMCell,
  clipByGlobalNorm,
  createModel,
  dynamicRnn,
  gruCell,
  type CellKind,
  type RNNCell,
} from '../../lib/model';

type Nested = number | Nested[];
interface CellReference {
  names: string[];
  values: Nested[];
  outputs: Nested;
  states: Nested | { c: Nested; h: Nested };
  logits: Nested;
  loss: number;
  gradients: Nested[];
  afterAdam: Nested[][];
  clipNorm?: number;
  clipped?: Nested[];
  globalNorm?: number;
}
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cells-reference.json'), 'utf8')) as {
  config: { batch: number; nSteps: number; nInputs: number; nNeurons: number; nOutputs: number; learningRate: number };
  x: Nested;
  y: number[];
  lstm: CellReference;
  gru: CellReference;
  basicClipped: CellReference;
};
const { nSteps, nInputs, nNeurons, nOutputs, learningRate } = ref.config;
const TOLERANCE = 1e-5;
const flatten = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [v]);

function assertClose(actual: tf.Tensor | number, expected: Nested, what: string): void {
  const want = flatten(expected);
  const got = typeof actual === 'number' ? [actual] : Array.from(actual.dataSync());
  assert.equal(got.length, want.length, `${what}: expected ${want.length} values, got ${got.length}`);
  const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
  assert.ok(worst <= TOLERANCE, `${what}: differs from TensorFlow by up to ${worst}`);
}

const inputs = () => ({ x: tf.tensor3d(ref.x as number[][][]), y: tf.tensor1d(ref.y, 'int32') });

/** A model of `kind` holding the fixture's weights. */
function referenceModel(kind: CellKind, r: CellReference, clipNorm?: number) {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate, cell: kind, clipNorm });
  assert.deepEqual(model.variableNames, r.names, "the variables in TF-1's order, under TF-1's names");
  model.setVariables(Object.fromEntries(r.names.map((name, i) => [name, flatten(r.values[i]!)])));
  return model;
}

for (const kind of ['lstm', 'gru'] as const) {
  const r = ref[kind];
  test(`${kind}: dynamicRnn gives TensorFlow's outputs and final state; the model its logits, loss and every gradient`, () => {
    const model = referenceModel(kind, r);
    const { x, y } = inputs();
    tf.tidy(() => {
      const { outputs, states } = dynamicRnn(model.cell as unknown as RNNCell<unknown>, x);
      assertClose(outputs, r.outputs, 'outputs');
      if (kind === 'lstm') {
        const { c, h } = states as { c: tf.Tensor; h: tf.Tensor };
        const want = r.states as { c: Nested; h: Nested };
        assertClose(c, want.c, 'final state c');
        assertClose(h, want.h, 'final state h');
      } else {
        assertClose(states as tf.Tensor, r.states as Nested, 'final state');
      }
      assertClose(model.logits(x), r.logits, 'logits');
    });
    assertClose(model.loss(x, y), r.loss, 'loss');
    const grads = model.gradients(x, y);
    r.names.forEach((name, i) => assertClose(grads[i]!, r.gradients[i]!, `d loss / d ${name} (traced)`));
    tf.dispose([...grads, x, y]);
    model.dispose();
  });

  test(`${kind}: trainStep, one traced graph call, takes TF-1's two Adam steps`, () => {
    const model = referenceModel(kind, r);
    const { x, y } = inputs();
    r.afterAdam.forEach((expected, step) => {
      model.trainStep(x, y);
      r.names.forEach((name, i) =>
        assertClose(model.variables[i]!, expected[i]!, `${name} after Adam step ${step + 1}`),
      );
    });
    tf.dispose([x, y]);
    model.dispose();
  });
}

test("clipByGlobalNorm gives TensorFlow's clipped gradients and global norm", () => {
  const r = ref.basicClipped;
  const grads = r.gradients.map((g) => tf.tensor(g as number[]));
  const { clipped, globalNorm } = clipByGlobalNorm(grads, r.clipNorm!);
  assertClose(globalNorm, r.globalNorm!, 'global norm');
  r.names.forEach((name, i) => assertClose(clipped[i]!, r.clipped![i]!, `clipped d loss / d ${name}`));
  // Under the limit nothing changes; a limit that is no positive number is refused.
  const { clipped: same } = clipByGlobalNorm(grads, r.globalNorm! * 2);
  grads.forEach((g, i) => assertClose(same[i]!, flatten(r.gradients[i]!), 'unclipped'));
  assert.throws(() => clipByGlobalNorm(grads, 0), /Expected `clipNorm` to be a positive number, got 0/);
  tf.dispose([...grads, ...clipped, ...same, globalNorm]);
});

test("a model with clipNorm takes TF-1's two Adam steps on the clipped gradients", () => {
  const r = ref.basicClipped;
  const model = referenceModel('basic', r, r.clipNorm);
  const { x, y } = inputs();
  r.afterAdam.forEach((expected, step) => {
    model.trainStep(x, y);
    r.names.forEach((name, i) =>
      assertClose(model.variables[i]!, expected[i]!, `${name} after clipped step ${step + 1}`),
    );
  });
  tf.dispose([x, y]);
  model.dispose();
});

test("the cells have TF-1's shapes and initialisers: glorot-uniform kernels, zero biases, a GRU gates bias of ones", () => {
  const lstm = basicLSTMCell({ numUnits: 8, inputSize: 3, seed: 1 });
  assert.deepEqual(lstm.kernel.shape, [11, 32]);
  assert.ok(lstm.bias.dataSync().every((v) => v === 0));
  const limit = Math.sqrt(6 / (11 + 32));
  assert.ok(lstm.kernel.dataSync().every((v) => Math.abs(v) <= limit));
  const gru = gruCell({ numUnits: 8, inputSize: 3, seed: 1 });
  assert.deepEqual(gru.gatesKernel.shape, [11, 16]);
  assert.deepEqual(gru.candidateKernel.shape, [11, 8]);
  assert.ok(gru.gatesBias.dataSync().every((v) => v === 1));
  assert.ok(gru.candidateBias.dataSync().every((v) => v === 0));
  [lstm, gru].forEach((c) => c.dispose());
});

test('createModel names a wrong cell, an activation on a cell without one, and a clipNorm that is no positive number', () => {
  const base = { nSteps, nInputs, nNeurons, nOutputs, learningRate };
  const before = tf.memory().numTensors;
  assert.throws(
    () => createModel({ ...base, cell: 'rnn' as never }),
    /Expected `cell` to be 'basic', 'lstm' or 'gru', got rnn/,
  );
  assert.throws(
    () => createModel({ ...base, cell: 'lstm', activation: tf.relu }),
    /Expected `activation` only with the basic cell/,
  );
  assert.throws(() => createModel({ ...base, clipNorm: -1 }), /Expected `clipNorm` to be a positive number, got -1/);
  assert.equal(tf.memory().numTensors, before, 'a refused model leaves no tensors');
});
