// lib/model/ against TensorFlow's own TF-1 code (BasicRNNCell, dynamic_rnn,
// dense, sparse softmax cross-entropy, tf.gradients, AdamOptimizer, in_top_k).
// The numbers come from test/fixtures/make-reference.py, committed beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import {
  basicRNNCell,
  createModel,
  dynamicRnn,
  fullyConnected,
  inTopK,
  sparseSoftmaxCrossEntropyWithLogits,
} from '../../lib/model';
import { traceStep } from '../../tracer';

type Nested = number | boolean | Nested[];
interface Reference {
  config: { batch: number; nSteps: number; nInputs: number; nNeurons: number; nOutputs: number; learningRate: number };
  x: Nested;
  y: number[];
  kernel: Nested;
  bias: Nested;
  weights: Nested;
  biases: Nested;
  outputs: Nested;
  states: Nested;
  logits: Nested;
  xentropy: Nested;
  loss: number;
  gradients: Nested[];
  inTopK1: boolean[];
  inTopK2: boolean[];
  accuracy: number;
  afterAdam: Nested[][];
}
const ref = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'basic-rnn-reference.json'), 'utf8'),
) as Reference;
const { nSteps, nInputs, nNeurons, nOutputs, learningRate } = ref.config;
const TOLERANCE = 1e-5;

/** The fixture's weights, for `model.setVariables`. */
const referenceWeights = () =>
  ({ kernel: ref.kernel, bias: ref.bias, weights: ref.weights, biases: ref.biases }) as Record<string, number[]>;

function assertClose(actual: tf.Tensor | number, expected: Nested, what: string): void {
  const flatten = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [Number(v)]);
  const want = flatten(expected);
  const got = typeof actual === 'number' ? [actual] : Array.from(actual.dataSync());
  assert.equal(got.length, want.length, `${what}: expected ${want.length} values, got ${got.length}`);
  const worst = Math.max(...got.map((g, i) => Math.abs(g - (want[i] as number))));
  assert.ok(worst <= TOLERANCE, `${what}: differs from TensorFlow by up to ${worst}`);
}

const inputs = () => ({ x: tf.tensor3d(ref.x as number[][][]), y: tf.tensor1d(ref.y, 'int32') });

/** The seed's In[4] pieces, with the fixture's weights loaded. */
function buildSeedGraph() {
  const basicCell = basicRNNCell({ numUnits: nNeurons, inputSize: nInputs });
  const logitsLayer = fullyConnected({ inputSize: nNeurons, numOutputs: nOutputs, activationFn: null });
  basicCell.kernel.assign(tf.tensor2d(ref.kernel as number[][]));
  basicCell.bias.assign(tf.tensor1d(ref.bias as number[]));
  logitsLayer.weights.assign(tf.tensor2d(ref.weights as number[][]));
  logitsLayer.biases.assign(tf.tensor1d(ref.biases as number[]));
  const dispose = () => {
    basicCell.dispose();
    logitsLayer.dispose();
  };
  return { basicCell, logitsLayer, dispose };
}

test("dynamicRnn over basicRNNCell gives TensorFlow's outputs, final state, logits and loss", () => {
  const g = buildSeedGraph();
  const { x, y } = inputs();
  tf.tidy(() => {
    const { outputs, states } = dynamicRnn(g.basicCell, x);
    const logits = g.logitsLayer.apply(states);
    const xentropy = sparseSoftmaxCrossEntropyWithLogits(y, logits);
    assertClose(outputs, ref.outputs, 'outputs');
    assertClose(states, ref.states, 'final state');
    assertClose(logits, ref.logits, 'logits');
    assertClose(xentropy, ref.xentropy, 'cross-entropy per example');
    assertClose(tf.mean(xentropy), ref.loss, 'loss');
  });
  tf.dispose([x, y]);
  g.dispose();
});

test("autodiff through the seed's graph gives TensorFlow's gradients for every variable", () => {
  const g = buildSeedGraph();
  const { x, y } = inputs();
  const variables = [g.basicCell.kernel, g.basicCell.bias, g.logitsLayer.weights, g.logitsLayer.biases];
  const { value, grads } = tf.variableGrads(
    () => tf.mean(sparseSoftmaxCrossEntropyWithLogits(y, g.logitsLayer.apply(dynamicRnn(g.basicCell, x).states))),
    variables,
  );
  ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) =>
    assertClose(grads[variables[i]!.name]!, ref.gradients[i]!, `d loss / d ${name}`),
  );
  tf.dispose([value, grads, x, y]);
  g.dispose();
});

test("the seed's forward pass traced into one graph gives TensorFlow's outputs, final state and logits", () => {
  const g = buildSeedGraph();
  const { x } = inputs();
  const forward = traceStep((xt: tf.Tensor3D) => {
    const { outputs, states } = dynamicRnn(g.basicCell, xt);
    return [outputs, states, g.logitsLayer.apply(states)];
  });
  const [outputs, states, logits] = forward(x);
  assertClose(outputs!, ref.outputs, 'outputs (traced)');
  assertClose(states!, ref.states, 'final state (traced)');
  assertClose(logits!, ref.logits, 'logits (traced)');
  tf.dispose([outputs!, states!, logits!, x]);
  forward.dispose();
  g.dispose();
});

test("model.gradients, tfjs's autodiff traced into one graph, gives TensorFlow's gradients: the batch whole, and in two parts", () => {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate });
  model.setVariables(referenceWeights());
  const { x, y } = inputs();
  const whole = model.gradients(x, y);
  ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) =>
    assertClose(whole[i]!, ref.gradients[i]!, `d loss / d ${name}`),
  );
  // The fixture's 3 examples as parts of 1 and 2 (two traces, one per shape): the mean loss's
  // gradient is the parts' gradients weighted by their sizes.
  const [x1, x2] = tf.split(x, [1, 2], 0) as [tf.Tensor3D, tf.Tensor3D];
  const [y1, y2] = tf.split(y, [1, 2], 0) as [tf.Tensor1D, tf.Tensor1D];
  const [g1, g2] = [model.gradients(x1, y1), model.gradients(x2, y2)];
  ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) => {
    const combined = tf.tidy(() => tf.div(tf.add(g1[i]!, tf.mul(g2[i]!, 2)), 3));
    assertClose(combined, ref.gradients[i]!, `d loss / d ${name}, from two parts`);
    combined.dispose();
  });
  tf.dispose([...whole, ...g1, ...g2, x, y, x1, x2, y1, y2]);
  model.dispose();
});

test("trainStep, one traced graph call, takes the same two Adam steps as TF-1's AdamOptimizer", () => {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate });
  model.setVariables(referenceWeights());
  const { x, y } = inputs();
  ref.afterAdam.forEach((expected, step) => {
    model.trainStep(x, y);
    ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) =>
      assertClose(model.variables[i]!, expected[i]!, `${name} after Adam step ${step + 1}`),
    );
  });
  assert.equal(model.iterations, ref.afterAdam.length);
  assert.equal(model.traces.length, 1, 'one trace for one batch shape');
  tf.dispose([x, y]);
  model.dispose();
});

test("inTopK and accuracy agree with TensorFlow's in_top_k for k = 1 and 2", () => {
  const logits = tf.tensor2d(ref.logits as number[][]);
  const y = tf.tensor1d(ref.y, 'int32');
  const [top1, top2] = [inTopK(logits, y, 1), inTopK(logits, y, 2)];
  assert.deepEqual(Array.from(top1.dataSync(), Boolean), ref.inTopK1);
  assert.deepEqual(Array.from(top2.dataSync(), Boolean), ref.inTopK2);
  tf.dispose([logits, y, top1, top2]);
});

test('model.accuracy and model.loss match TensorFlow on the fixture', () => {
  const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate });
  model.setVariables(referenceWeights());
  const { x, y } = inputs();
  assertClose(model.accuracy(x, y), ref.accuracy, 'accuracy');
  assertClose(model.loss(x, y), ref.loss, 'loss');
  tf.dispose([x, y]);
  model.dispose();
});
