// lib/model/ against TensorFlow's own TF-1 code (BasicRNNCell, dynamic_rnn,
// dense, sparse softmax cross-entropy, tf.gradients, AdamOptimizer, in_top_k).
// The numbers come from test/fixtures/make-reference.py, committed beside this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import { adamConfig } from '../../lib/model/adam';
import {
  basicRNNCell,
  createModel,
  dynamicRnn,
  fullyConnected,
  inTopK,
  sparseSoftmaxCrossEntropyWithLogits,
} from '../../lib/model';
import { createSession } from '../../lib/graph';
import { trainingGraph } from '../../lib/model/training-graph';

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

for (const shards of [1, 2]) {
  test(`the training graph's hand-written backward pass gives TensorFlow's loss and gradients (${shards} shard(s))`, () => {
    const session = createSession(
      trainingGraph({ nSteps, nInputs, nNeurons, nOutputs, adam: adamConfig({ learningRate }), shards }),
    );
    const { x, y } = inputs();
    // The fixture's 3 examples: 3 in one shard, or 1 and 2 in two.
    const sizes = shards === 1 ? [3] : [1, 2];
    const xs = tf.split(x, sizes, 0);
    const ys = tf.split(y, sizes, 0);
    const values: Record<string, tf.Tensor> = {
      'kernel/value': tf.tensor2d(ref.kernel as number[][]),
      'bias/value': tf.tensor1d(ref.bias as number[]),
      'weights/value': tf.tensor2d(ref.weights as number[][]),
      'biases/value': tf.tensor1d(ref.biases as number[]),
    };
    tf.dispose(session.run(values, ['initialize']));
    const feeds: Record<string, tf.Tensor> = {};
    xs.forEach((part, i) => {
      feeds[`x${i}`] = part;
      feeds[`y${i}`] = ys[i]!;
    });
    const [loss, ...gradients] = session.run(feeds, ['loss', 'dKernel', 'dBias', 'dWeights', 'dBiases']);
    assertClose(loss!, ref.loss, 'loss');
    ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) =>
      assertClose(gradients[i]!, ref.gradients[i]!, `d loss / d ${name}`),
    );
    tf.dispose([loss!, ...gradients, ...Object.values(values), ...xs, ...ys, x, y]);
    session.dispose();
  });
}

for (const shards of [1, 2]) {
  test(`trainStep takes the same two Adam steps as TF-1's AdamOptimizer (${shards} shard(s))`, () => {
    const model = createModel({ nSteps, nInputs, nNeurons, nOutputs, learningRate, shards });
    model.setVariables(referenceWeights());
    const { x, y } = inputs();
    ref.afterAdam.forEach((expected, step) => {
      model.trainStep(x, y);
      ['kernel', 'bias', 'weights', 'biases'].forEach((name, i) =>
        assertClose(model.variables[i]!, expected[i]!, `${name} after Adam step ${step + 1}`),
      );
    });
    assert.equal(model.iterations, ref.afterAdam.length);
    tf.dispose([x, y]);
    model.dispose();
  });
}

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
