// lib/model/row-gradients.ts against TensorFlow's autodiff (tf.gradients through its own
// BasicRNNCell, dynamic_rnn / static_rnn and dense) and against tfjs's gradient of the model's
// own forward pass. The numbers come from test/fixtures/make-reference.py, committed beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import { createModel, dynamicRnn, sparseSoftmaxCrossEntropyWithLogits, type Model } from '../../lib/model';
import { rowGradientNorms, rowGradients } from '../../lib/model/row-gradients';

type Nested = number | Nested[];
interface Reference {
  config: { batch: number; nSteps: number; nInputs: number; nNeurons: number; nOutputs: number };
  x: Nested;
  y: number[];
  kernel: Nested;
  bias: Nested;
  weights: Nested;
  biases: Nested;
  xentropy: number[];
  dStates: Nested;
  dInputs: Nested;
  stateNorms: number[];
  inputNorms: number[];
}
const ref = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'row-gradients-reference.json'), 'utf8'),
) as Reference;
const { batch, nSteps, nInputs, nNeurons, nOutputs } = ref.config;
const TOLERANCE = 1e-5;
const flatten = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [v]);

function assertClose(actual: tf.Tensor | number[], expected: Nested, what: string): void {
  const want = flatten(expected);
  const got = Array.isArray(actual) ? actual : Array.from(actual.dataSync());
  assert.equal(got.length, want.length, `${what}: expected ${want.length} values, got ${got.length}`);
  const worst = Math.max(...got.map((g, i) => Math.abs(g - (want[i] as number))));
  assert.ok(worst <= TOLERANCE, `${what}: differs from the reference by up to ${worst}`);
}

/** A model holding the fixture's weights. */
function referenceModel(): Model {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate: 0.001 });
  model.setVariables({ kernel: ref.kernel, bias: ref.bias, weights: ref.weights, biases: ref.biases });
  return model;
}
const inputs = () => ({ x: tf.tensor3d(ref.x as number[][][]), y: tf.tensor1d(ref.y, 'int32') });

test("rowGradients gives TensorFlow's d loss_i / d h_t and d loss_i / d x_t for every step", () => {
  const model = referenceModel();
  const { x, y } = inputs();
  const { dStates, dInputs } = rowGradients(model, x, y);
  assert.deepEqual(dStates.shape, [batch, nSteps, nNeurons]);
  assert.deepEqual(dInputs.shape, [batch, nSteps, nInputs]);
  assertClose(dStates, ref.dStates, 'd loss / d h_t');
  assertClose(dInputs, ref.dInputs, 'd loss / d x_t');
  tf.dispose([dStates, dInputs, x, y]);
  model.dispose();
});

test("rowGradientNorms gives TensorFlow's mean gradient norm per row, from tensors or flat arrays", () => {
  const model = referenceModel();
  const { x, y } = inputs();
  const fromTensors = rowGradientNorms(model, x, y);
  assertClose(fromTensors.states, ref.stateNorms, 'mean ‖d loss / d h_t‖');
  assertClose(fromTensors.inputs, ref.inputNorms, 'mean ‖d loss / d x_t‖');
  const fromArrays = rowGradientNorms(model, Float32Array.from(flatten(ref.x)), Int32Array.from(ref.y));
  assertClose(fromArrays.states, ref.stateNorms, 'mean ‖d loss / d h_t‖ from arrays');
  tf.dispose([x, y]);
  model.dispose();
});

test("rowGradients' zero offsets change nothing: its d loss / d x_t is tfjs's gradient through dynamicRnn itself", () => {
  const model = referenceModel();
  const { x, y } = inputs();
  const direct = tf.grad((xt: tf.Tensor) =>
    tf.sum(
      sparseSoftmaxCrossEntropyWithLogits(y, model.logitsLayer.apply(dynamicRnn(model.cell, xt as tf.Tensor3D).states)),
    ),
  )(x);
  const grads = rowGradients(model, x, y);
  assertClose(grads.dInputs, Array.from(direct.dataSync()), 'd loss / d x_t');
  tf.dispose([direct, grads.dStates, grads.dInputs, x, y]);
  model.dispose();
});

test('rowGradientNorms frees every tensor it makes', () => {
  const model = referenceModel();
  const { x, y } = inputs();
  const before = tf.memory().numTensors;
  rowGradientNorms(model, x, y);
  rowGradientNorms(model, Float32Array.from(flatten(ref.x)), Int32Array.from(ref.y));
  const grads = rowGradients(model, x, y);
  tf.dispose([grads.dStates, grads.dInputs]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
  model.dispose();
});

test('rowGradients rejects images of the wrong width or a label count that does not match', () => {
  const model = referenceModel();
  const x = tf.zeros([2, nSteps, nInputs + 1]) as tf.Tensor3D;
  const y = tf.tensor1d([0, 1, 2], 'int32');
  assert.throws(() => rowGradients(model, x, y), /Expected `x` of shape \[3, nSteps, 5\].*got \[2, 7, 6\]/);
  assert.throws(
    () => rowGradients(model, new Float32Array(7), Int32Array.from([0, 1])),
    /Expected `x` to hold 2 images of nSteps x 5 floats.*length 7/,
  );
  tf.dispose([x, y]);
  model.dispose();
});
