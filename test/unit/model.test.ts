// Parameters, initialisers, shapes and errors of lib/model/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import * as os from 'os';
import {
  basicRNNCell,
  createModel,
  defaultShards,
  fullyConnected,
  sparseSoftmaxCrossEntropyWithLogits,
  VARIABLES,
  type Model,
} from '../../lib/model';

const config = { nSteps: 28, nInputs: 28, nNeurons: 128, nOutputs: 10, learningRate: 0.001, seed: 7 };

test('basicRNNCell has one glorot-uniform kernel [nInputs + nNeurons, nNeurons] and a zero bias, as in TF-1', () => {
  const cell = basicRNNCell({ numUnits: 128, inputSize: 28, seed: 1 });
  assert.deepEqual(cell.kernel.shape, [156, 128]);
  assert.deepEqual(cell.bias.shape, [128]);
  const w = Array.from(cell.kernel.dataSync());
  const limit = Math.sqrt(6 / (156 + 128));
  assert.ok(
    w.every((v) => Math.abs(v) <= limit),
    'a kernel value lies outside the glorot limit',
  );
  // Uniform on [-limit, limit] has standard deviation limit / sqrt(3).
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std / (limit / Math.sqrt(3)) - 1) < 0.02, `kernel std ${std} is not glorot-uniform's`);
  assert.ok(
    cell.bias.dataSync().every((v) => v === 0),
    'bias is not zero',
  );
  cell.dispose();
});

test('fullyConnected has glorot-uniform weights [inputSize, numOutputs] and zero biases', () => {
  const dense = fullyConnected({ inputSize: 128, numOutputs: 10, activationFn: null, seed: 1 });
  assert.deepEqual(dense.weights.shape, [128, 10]);
  const limit = Math.sqrt(6 / 138);
  assert.ok(dense.weights.dataSync().every((v) => Math.abs(v) <= limit));
  assert.ok(dense.biases.dataSync().every((v) => v === 0));
  dense.dispose();
});

test('the same seed gives the same initial weights, another seed different ones', () => {
  const [a, b, c] = [createModel(config), createModel(config), createModel({ ...config, seed: 8 })];
  const values = (m: typeof a) => m.variables.map((v) => Array.from(v.dataSync()));
  assert.deepEqual(values(a), values(b));
  assert.notDeepEqual(values(a)[0], values(c)[0]);
  [a, b, c].forEach((m) => m.dispose());
});

test('a large seed fixes the dense layer by the exact low 32 bits of seed * 2654435761 + 1', () => {
  const small = { nSteps: 2, nInputs: 3, nNeurons: 4, nOutputs: 2, learningRate: 0.001 };
  // 123456789 * 2654435761 is past 2^53, where a float product loses its low bits.
  const seed = 123456789;
  const model = createModel({ ...small, seed });
  const exact = Number((BigInt(seed) * 2654435761n + 1n) % 2n ** 32n);
  const dense = fullyConnected({ inputSize: 4, numOutputs: 2, activationFn: null, seed: exact });
  assert.deepEqual(Array.from(model.logitsLayer.weights.dataSync()), Array.from(dense.weights.dataSync()));
  // Only the seed's low 32 bits count, for the cell (createRng) and the dense layer alike.
  const wrapped = createModel({ ...small, seed: seed + 2 ** 32 });
  const values = (m: typeof model) => m.variables.map((v) => Array.from(v.dataSync()));
  assert.deepEqual(values(wrapped), values(model));
  [model, wrapped, dense].forEach((m) => m.dispose());
});

test('logits, logitsPerStep and predict have the documented shapes; the last step equals logits', () => {
  const model = createModel(config);
  const x = tf.randomUniform([4, 28, 28], 0, 1, 'float32', 3) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const logits = model.logits(x);
  const perStep = model.logitsPerStep(x);
  assert.deepEqual(logits.shape, [4, 10]);
  assert.deepEqual(perStep.shape, [4, 28, 10]);
  const last = tf.tidy(() => tf.squeeze(tf.slice(perStep, [0, 27, 0], [4, 1, 10]), [1]));
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(last, logits))).dataSync()[0]!) < 1e-6);
  const classes = model.predict(x.dataSync() as Float32Array);
  assert.ok(classes instanceof Int32Array && classes.length === 4);
  const expected = tf.argMax(logits, 1);
  assert.deepEqual(Array.from(classes), Array.from(expected.dataSync()));
  tf.dispose([logits, perStep, last, expected]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

test('trainStep and accuracy leave no tensors behind', () => {
  const model = createModel(config);
  const x = new Float32Array(5 * 28 * 28).fill(0.5);
  const y = new Int32Array([1, 2, 3, 4, 5]);
  model.trainStep(x, y);
  const before = tf.memory().numTensors;
  model.trainStep(x, y);
  model.accuracy(x, y);
  model.loss(x, y);
  model.predict(x);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test("the model's variables hold the session's values after each step, with no read needed first", () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 2, learningRate: 0.01, seed: 3 };
  const x = Float32Array.from({ length: 2 * 12 }, (_, i) => Math.cos(i));
  const y = new Int32Array([0, 1]);
  const model = createModel(small);
  const held = [model.variables[0]!, model.basicCell.kernel, model.logitsLayer.biases];
  const initial = model.variables.map((v) => Array.from(v.dataSync()));
  model.trainStep(x, y);
  // References kept from before the step are the same variables, and hold the trained values.
  assert.equal(held[0], held[1]);
  const trained = held.map((v) => Array.from(v.dataSync()));
  assert.notDeepEqual(trained[0], initial[0], 'the kernel is trained');
  assert.notDeepEqual(trained[2], initial[3], 'the biases are trained');
  // The session agrees: its loss (from its own variables) is the eager loss from the tfjs ones.
  for (let step = 0; step < 3; step++) {
    model.trainStep(x, y);
    const eager = tf.tidy(() => tf.mean(sparseSoftmaxCrossEntropyWithLogits(tf.tensor1d(y, 'int32'), model.logits(x))));
    assert.ok(Math.abs(eager.dataSync()[0]! - model.loss(x, y)) < 1e-6, `step ${step + 2}: the copies agree`);
    eager.dispose();
  }
  model.dispose();
});

test('setVariables is where the next step starts, and replaces only the variables it names', () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 2, learningRate: 0.01, seed: 3 };
  const x = Float32Array.from({ length: 2 * 12 }, (_, i) => Math.cos(i));
  const y = new Int32Array([0, 1]);
  const values = (m: Model) => m.variables.map((v) => Array.from(v.dataSync()));
  const [a, b] = [createModel(small), createModel(small)];
  const initial = values(a);
  a.trainStep(x, y);
  b.trainStep(x, y);
  // b goes back to the start: its variables show it, and its next step starts from there (with
  // Adam's moments kept from its first step, as TF-1's Variable.load keeps them), unlike a's.
  b.setVariables(Object.fromEntries(VARIABLES.map((name, i) => [name, initial[i]!])));
  assert.deepEqual(values(b), initial);
  b.trainStep(x, y);
  a.trainStep(x, y);
  assert.notDeepEqual(values(b), values(a));

  // One variable set, from an array, after a step: the others keep their trained values.
  const [c, d] = [createModel(small), createModel(small)];
  c.trainStep(x, y);
  d.trainStep(x, y);
  const before = tf.memory().numTensors;
  d.setVariables({ bias: new Array<number>(small.nNeurons).fill(0) });
  assert.equal(tf.memory().numTensors, before, 'setVariables frees what it makes');
  const [want, got] = [values(c), values(d)];
  assert.deepEqual(got[1], new Array<number>(small.nNeurons).fill(0));
  [0, 2, 3].forEach((i) => assert.deepEqual(got[i], want[i], `variable ${i} keeps its trained value`));
  // And the session took it: the next step starts from the zero bias.
  c.setVariables({ bias: new Array<number>(small.nNeurons).fill(0) });
  c.trainStep(x, y);
  d.trainStep(x, y);
  assert.deepEqual(values(d), values(c));
  [a, b, c, d].forEach((m) => m.dispose());
});

test('setVariables names a wrong variable or shape, and writes nothing then', () => {
  const model = createModel({ nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 2, learningRate: 0.01, seed: 3 });
  const kernel = Array.from(model.variables[0]!.dataSync());
  const before = tf.memory().numTensors;
  assert.throws(
    () => model.setVariables({ kernel: new Array<number>(40).fill(1), bias: [1, 2] }),
    /Expected `bias` to be float32 of shape \[5\], got float32 of shape \[2\]/,
  );
  assert.throws(
    () => model.setVariables({ kernal: [1] } as never),
    /Expected variables named kernel, bias, weights, biases, got `kernal`/,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(model.variables[0]!.dataSync()), kernel);
  model.dispose();
});

test('createModel and the model name the argument that is wrong', () => {
  assert.throws(() => createModel({ ...config, nNeurons: -3 }), /Expected `nNeurons` to be a positive integer, got -3/);
  assert.throws(
    () => createModel({ ...config, learningRate: 0 }),
    /Expected `learningRate` to be a positive number, got 0/,
  );
  const model = createModel(config);
  const wrong = tf.zeros([2, 28, 27]) as tf.Tensor3D;
  assert.throws(() => model.logits(wrong), /Expected `x` of shape \[batch, 28, 28\], got \[2, 28, 27\]/);
  wrong.dispose();
  model.dispose();
});

/** A small model after one training step, so that Adam's moments hold values too. */
function trainedSmallModel() {
  const model = createModel({ nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 2, learningRate: 0.001, seed: 1 });
  model.trainStep(new Float32Array(2 * 4 * 3).fill(0.5), new Int32Array([0, 1]));
  return model;
}

test('dispose frees every tensor createModel made', () => {
  const before = tf.memory().numTensors;
  trainedSmallModel().dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('trainStep takes the same step from arrays or tensors, in one shard or two, for any batch size', () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 3, learningRate: 0.01, seed: 7 };
  for (const batch of [1, 2, 5]) {
    const x = Float32Array.from({ length: batch * 12 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: batch }, (_, i) => i % 3);
    const weightsAfter = (shards: number, asTensors: boolean) => {
      const model = createModel({ ...small, shards });
      const xt = tf.tensor3d(x, [batch, 4, 3]);
      const yt = tf.tensor1d(y, 'int32');
      for (let i = 0; i < 3; i++) model.trainStep(asTensors ? xt : x, asTensors ? yt : y);
      const values = model.variables.map((v) => Array.from(v.dataSync()));
      tf.dispose([xt, yt]);
      model.dispose();
      return values.flat();
    };
    const reference = weightsAfter(1, false);
    for (const [shards, asTensors] of [
      [1, true],
      [2, false],
      [2, true],
    ] as const) {
      const got = weightsAfter(shards, asTensors);
      const worst = Math.max(...got.map((w, i) => Math.abs(w - reference[i]!)));
      assert.ok(
        worst < 1e-6,
        `batch ${batch}, ${shards} shard(s), ${asTensors ? 'tensors' : 'arrays'}: differs by ${worst}`,
      );
    }
  }
});

test('trainStep names a wrong batch and leaves the model and memory as they were', () => {
  const model = createModel(config);
  const before = tf.memory().numTensors;
  const kernel = Array.from(model.variables[0]!.dataSync());
  const x = new Float32Array(3 * 28 * 28);
  assert.throws(() => model.trainStep(x, new Int32Array(2)), /Expected one label per image \(3\), got 2 labels/);
  assert.throws(
    () => model.trainStep(new Float32Array(0), new Int32Array(0)),
    /Expected a batch of at least one image, got none/,
  );
  assert.throws(
    () => model.trainStep(new Float32Array(100), new Int32Array(1)),
    /Expected images of 28x28 floats each, got an array of length 100/,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(model.variables[0]!.dataSync()), kernel);
  assert.equal(model.iterations, 0);
  model.dispose();
});

test('createModel names a shard count that is not a positive integer', () => {
  assert.throws(() => createModel({ ...config, shards: 0 }), /Expected `shards` to be a positive integer, got 0/);
  assert.throws(() => createModel({ ...config, shards: 1.5 }), /Expected `shards` to be a positive integer, got 1.5/);
});

test("tf.disposeVariables() frees all of a trained model's tensors, as the notebook's re-run of In[4] relies on", () => {
  const before = tf.memory().numTensors;
  trainedSmallModel();
  tf.disposeVariables();
  assert.equal(tf.memory().numTensors, before);
});

test('defaultShards gives 2 where TensorFlow has at least two inter-op threads, else 1', () => {
  const saved = process.env.TF_NUM_INTEROP_THREADS;
  try {
    const expected: [string | undefined, number][] = [
      ['1', 1],
      ['2', 2],
      ['8', 2],
      [undefined, os.cpus().length >= 2 ? 2 : 1],
    ];
    for (const [threads, shards] of expected) {
      if (threads === undefined) delete process.env.TF_NUM_INTEROP_THREADS;
      else process.env.TF_NUM_INTEROP_THREADS = threads;
      assert.equal(defaultShards(), shards, `TF_NUM_INTEROP_THREADS=${threads}`);
    }
  } finally {
    if (saved === undefined) delete process.env.TF_NUM_INTEROP_THREADS;
    else process.env.TF_NUM_INTEROP_THREADS = saved;
  }
});
