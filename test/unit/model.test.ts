// Parameters, initialisers, shapes and errors of lib/model/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import * as os from 'os';
import {
  adamOptimizer,
  defaultShards,
  basicRNNCell,
  createModel,
  dynamicRnn,
  fullyConnected,
  rowGradientNorms,
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

test('one owner of the weights: after training, every read (variables, predict, the per-row belief, the row gradients) sees the trained values', () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 2, learningRate: 0.05, seed: 3 };
  const x = Float32Array.from({ length: 6 * 12 }, (_, i) => Math.cos(i));
  const y = new Int32Array([0, 1, 1, 0, 1, 0]);
  const model = createModel(small);
  const held = [model.variables[0]!, model.cell.kernel, model.logitsLayer.biases];
  const initial = model.variables.map((v) => Array.from(v.dataSync()));
  for (let step = 0; step < 20; step++) model.trainStep(x, y);
  // References kept from before training are the same variables, and hold the trained values.
  assert.equal(held[0], held[1]);
  assert.notDeepEqual(Array.from(held[0]!.dataSync()), initial[0], 'the kernel is trained');
  assert.notDeepEqual(Array.from(held[2]!.dataSync()), initial[3], 'the biases are trained');
  // A second model given the trained values by hand reads the same in every way; the initial one does not.
  const copy = createModel(small);
  const fresh = createModel(small);
  copy.setVariables(Object.fromEntries(VARIABLES.map((name, i) => [name, model.variables[i]!.dataSync()])));
  const reads = (m: Model) => {
    const perStep = m.logitsPerStep(x);
    const values = [
      ...m.variables.map((v) => Array.from(v.dataSync())),
      Array.from(m.predict(x)),
      Array.from(perStep.dataSync()),
      rowGradientNorms(m, x, y).states,
      [m.loss(x, y), m.accuracy(x, y)],
    ];
    perStep.dispose();
    return values;
  };
  assert.deepEqual(reads(copy), reads(model));
  assert.notDeepEqual(reads(fresh)[5], reads(model)[5], 'the belief per row has changed with training');
  [model, copy, fresh].forEach((m) => m.dispose());
});

test("training follows the cell: with ReLU for tanh, what trains is ReLU's, and accuracy and predict agree", () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 8, nOutputs: 3, learningRate: 0.01, seed: 5 };
  const x = Float32Array.from({ length: 12 * 12 }, (_, i) => Math.sin(i * 0.7));
  const y = Int32Array.from({ length: 12 }, (_, i) => i % 3);
  const lossAfter = (model: Model) => {
    for (let step = 0; step < 5; step++) model.trainStep(x, y);
    return model.loss(x, y);
  };
  const [tanh, relu] = [createModel(small), createModel({ ...small, activation: tf.relu })];
  const [tanhLoss, reluLoss] = [lossAfter(tanh), lossAfter(relu)];
  assert.ok(Math.abs(tanhLoss - reluLoss) > 1e-4, `losses ${tanhLoss} and ${reluLoss}: ReLU did not change training`);
  // ReLU's loss, recomputed eagerly from ReLU's layers: the graph trained the cell that is read.
  const eager = tf.tidy(() => {
    const { states } = dynamicRnn(relu.cell, tf.tensor3d(x, [12, 4, 3]));
    return tf.mean(sparseSoftmaxCrossEntropyWithLogits(tf.tensor1d(y, 'int32'), relu.logitsLayer.apply(states)));
  });
  assert.ok(Math.abs(eager.dataSync()[0]! - reluLoss) < 1e-6);
  const predicted = relu.predict(x);
  const share = predicted.reduce((n, c, i) => n + (c === y[i] ? 1 : 0), 0) / y.length;
  assert.ok(Math.abs(share - relu.accuracy(x, y)) < 1e-6, 'accuracy and predict disagree');
  tf.dispose(eager);
  [tanh, relu].forEach((m) => m.dispose());
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
  // And training took it: the next step starts from the zero bias.
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

test('trainStep, one graph call, takes the eager step (tfjs gradients, TF-1 Adam) from arrays or tensors, in one shard or two, for any batch size', () => {
  const small = { nSteps: 4, nInputs: 3, nNeurons: 5, nOutputs: 3, learningRate: 0.01, seed: 7 };
  for (const batch of [1, 2, 5]) {
    const x = Float32Array.from({ length: batch * 12 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: batch }, (_, i) => i % 3);
    const [xt, yt] = [tf.tensor3d(x, [batch, 4, 3]), tf.tensor1d(y, 'int32')];
    const traced = (asTensors: boolean, shards: number) => {
      const model = createModel({ ...small, shards });
      for (let i = 0; i < 3; i++) model.trainStep(asTensors ? xt : x, asTensors ? yt : y);
      const values = model.variables.map((v) => Array.from(v.dataSync()));
      model.dispose();
      return values.flat();
    };
    // The same step, eagerly, on a model of the same seed.
    const model = createModel({ ...small, shards: 1 });
    const adam = adamOptimizer({ learningRate: small.learningRate }, model.variables);
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.mean(sparseSoftmaxCrossEntropyWithLogits(yt, model.logits(xt))) as tf.Scalar,
          model.variables as tf.Variable[],
        );
        adam.applyGradients(model.variables.map((v) => grads[v.name]!));
      });
    }
    const eager = model.variables.flatMap((v) => Array.from(v.dataSync()));
    for (const [asTensors, shards] of [
      [false, 1],
      [true, 1],
      [false, 2],
      [true, 2],
    ] as const) {
      const got = traced(asTensors, shards);
      const worst = Math.max(...got.map((w, i) => Math.abs(w - eager[i]!)));
      const what = `batch ${batch}, ${shards} shard(s), ${asTensors ? 'tensors' : 'arrays'}`;
      assert.ok(worst < 1e-6, `${what}: differs from eager by ${worst}`);
    }
    tf.dispose([xt, yt]);
    adam.dispose();
    model.dispose();
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

test("tf.disposeVariables() frees all of a trained model's tensors, as the notebook's re-run of In[4] relies on", () => {
  const before = tf.memory().numTensors;
  trainedSmallModel();
  tf.disposeVariables();
  assert.equal(tf.memory().numTensors, before);
});

test('createModel names a shard count that is not a positive integer', () => {
  assert.throws(() => createModel({ ...config, shards: 0 }), /Expected `shards` to be a positive integer, got 0/);
  assert.throws(() => createModel({ ...config, shards: 1.5 }), /Expected `shards` to be a positive integer, got 1.5/);
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
