// The tracer against eager tfjs: the same steps, run eagerly and as traced graphs from the same
// starting values, agree; the graphs leak nothing; a new input shape traces again; and each step a
// fixed graph cannot run is refused with its reason, leaving every variable as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { traceStep, TraceError } from '..';

/** Largest absolute difference between two lists of tensors. */
function maxDiff(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  return Math.max(...a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0]!)));
}

/** Two copies of the same variables, so that one can train eagerly and one traced. */
function twin(values: tf.Tensor[]): [tf.Variable[], tf.Variable[]] {
  return [values.map((v) => tf.variable(v.clone())), values.map((v) => tf.variable(v.clone()))];
}

const batches = (n: number, shape: number[], seed: number) =>
  Array.from({ length: n }, (_, i) => tf.randomNormal(shape, 0, 1, 'float32', seed + i));

test('a matMul and relu step with plain gradient descent: traced equals eager within 1e-6 after 100 steps', () => {
  const init = [tf.randomNormal([8, 4], 0, 0.5, 'float32', 1), tf.zeros([4])];
  const [eager, traced] = twin(init);
  const sgd = (vars: tf.Variable[]) => (x: tf.Tensor) => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.relu(tf.add(tf.matMul(x, vars[0]!), vars[1]!))), vars);
    tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(0.1, grads[v.name]!)))));
    tf.dispose(grads);
    return value;
  };
  const step = traceStep(sgd(traced));
  for (const x of batches(100, [16, 8], 10)) {
    const [a, b] = [tf.tidy(() => sgd(eager)(x)), step(x)];
    assert.ok(Math.abs(a.dataSync()[0]! - b.dataSync()[0]!) < 1e-6, 'the loss each returns');
    tf.dispose([a, b, x]);
  }
  assert.ok(maxDiff(eager, traced) < 1e-6, `weights differ by ${maxDiff(eager, traced)}`);
  assert.equal(step.traces.length, 1);
  step.dispose();
  tf.dispose([...init, ...eager, ...traced]);
});

test("a loss with tfjs's Adam: traced equals eager within 1e-6 after 100 steps, slots included", () => {
  const init = [tf.randomNormal([6, 3], 0, 0.5, 'float32', 2), tf.zeros([3])];
  const [eager, traced] = twin(init);
  const labels = tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1], 'int32');
  const loss = (vars: tf.Variable[], x: tf.Tensor, y: tf.Tensor) => () =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), tf.add(tf.matMul(x, vars[0]!), vars[1]!)) as tf.Scalar;
  const [optA, optB] = [tf.train.adam(0.01), tf.train.adam(0.01)];
  const data = batches(101, [8, 6], 200);
  // tf.train's optimizers make their slots in their first step: that one is taken eagerly by both.
  const first = [
    optA.minimize(loss(eager, data[0]!, labels), true, eager) as tf.Scalar,
    optB.minimize(loss(traced, data[0]!, labels), true, traced) as tf.Scalar,
  ];
  tf.dispose(first);
  // The labels are an input: a tensor from outside the step would be refused (tested below).
  const step = traceStep((x: tf.Tensor, y: tf.Tensor) => optB.minimize(loss(traced, x, y), true, traced) as tf.Scalar);
  for (const x of data.slice(1))
    tf.dispose([optA.minimize(loss(eager, x, labels), true, eager) as tf.Scalar, step(x, labels)]);
  const slots = (opt: tf.AdamOptimizer) => opt.getWeights().then((ws) => ws.slice(1).map((w) => w.tensor));
  return Promise.all([slots(optA), slots(optB)]).then(([a, b]) => {
    assert.ok(maxDiff(eager, traced) < 1e-6, `weights differ by ${maxDiff(eager, traced)}`);
    assert.ok(maxDiff(a, b) < 1e-6, `Adam's slots differ by ${maxDiff(a, b)}`);
    tf.dispose([...a, ...b, ...data, ...init, ...eager, ...traced, labels]);
    [optA, optB].forEach((o) => o.dispose());
    step.dispose();
  });
});

test('tf.memory() stays flat over many calls, and the step returns what the function returns', () => {
  const w = tf.variable(tf.ones([3, 3]));
  const x = tf.ones([2, 3]);
  const single = traceStep((xt: tf.Tensor) => tf.matMul(xt, w));
  const pair = traceStep((xt: tf.Tensor) => [tf.matMul(xt, w), tf.sum(xt)]);
  const none = traceStep((xt: tf.Tensor) => void w.assign(tf.add(w, tf.mean(xt))));
  tf.dispose([single(x), pair(x)]);
  none(x);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 200; i++) {
    tf.dispose([single(x), ...pair(x)]);
    assert.equal(none(x), undefined);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.ok(single(x) instanceof tf.Tensor);
  assert.equal(pair(x).length, 2);
  // 201 calls of `none`, each adding 1 to every weight.
  assert.equal(w.dataSync()[0], 202);
  [single, pair, none].forEach((s) => s.dispose());
  tf.dispose([w, x]);
});

test('a new input shape is traced anew; a shape seen before reuses its graph', () => {
  const w = tf.variable(tf.ones([4, 2]));
  const step = traceStep((x: tf.Tensor) => tf.sum(tf.matMul(x, w), 1));
  const run = (rows: number) => {
    const out = step(tf.ones([rows, 4]));
    const values = Array.from(out.dataSync());
    out.dispose();
    return values;
  };
  assert.deepEqual(run(2), [8, 8]);
  assert.deepEqual(run(3), [8, 8, 8]);
  assert.deepEqual(run(2), [8, 8]);
  assert.deepEqual(
    step.traces.map((t) => t.signature),
    ['float32[2,4]', 'float32[3,4]'],
  );
  // The variable is read at every call, not frozen: a new value is seen.
  w.assign(tf.fill([4, 2], 2));
  assert.deepEqual(run(2), [16, 16]);
  step.dispose();
  w.dispose();
});

/** Asserts that tracing `fn` is refused with `message`, and that `w` is as it was. */
function assertRefused(fn: (x: tf.Tensor, w: tf.Variable) => unknown, message: RegExp): void {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const x = tf.ones([3]);
  const before = tf.memory().numTensors;
  const step = traceStep((xt: tf.Tensor) => {
    w.assign(tf.add(w, 1)); // written before the refusal: must be put back
    return fn(xt, w) as tf.Tensor;
  });
  assert.throws(
    () => step(x),
    (e: Error) => e instanceof TraceError && message.test(e.message),
  );
  assert.deepEqual(Array.from(w.dataSync()), [1, 2, 3], 'the variable is as it was before the refused trace');
  assert.equal(tf.memory().numTensors, before, 'the refused trace leaked tensors');
  tf.dispose([w, x]);
}

test('a random op inside the step is refused, by name', () => {
  assertRefused(
    (x) => tf.add(x, tf.randomUniform([3])),
    /calls tfjs's randomUniform, which draws its numbers in JavaScript/,
  );
  assertRefused((x) => tf.dropout(x, 0.5), /calls tfjs's (dropout|randomUniform)/);
});

test('a read of the data inside the step is refused: a graph cannot branch on or size by it', () => {
  assertRefused((x) => tf.scalar(x.dataSync()[0]!), /the step reads a tensor's values \(dataSync/);
  assertRefused((x) => tf.tensor(x.arraySync()), /the step reads a tensor's values/);
});

test('tf.gather, whose tfjs-node kernel reads its indices to check them, is traced, and equal to eager', () => {
  const table = tf.variable(
    tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
  );
  const step = traceStep((indices: tf.Tensor) => tf.sum(tf.gather(table, indices), 1));
  const indices = tf.tensor1d([2, 0, 2], 'int32');
  const out = step(indices);
  assert.deepEqual(Array.from(out.dataSync()), [11, 3, 11]);
  tf.dispose([out, indices, table]);
  step.dispose();
});

test('a tensor captured from outside the step is refused: it would be frozen as a constant', () => {
  const outside = tf.tensor1d([5, 6, 7]); // made in JavaScript, not yet used
  const used = tf.tensor1d([5, 6, 7]);
  used.dataSync(); // already in TensorFlow
  assertRefused((x) => tf.add(x, outside), /neither made nor was given, and that is no tf.Variable/);
  assertRefused((x) => tf.add(x, used), /neither made nor was given, and that is no tf.Variable/);
  tf.dispose([outside, used]);
});

test('a variable created inside the step is refused', () => {
  assertRefused((x) => tf.variable(x), /the step creates a tf.Variable/);
});

test('a disposed variable fails the next call with its name', () => {
  const w = tf.variable(tf.ones([2]), true, 'disposedLater');
  const step = traceStep((x: tf.Tensor) => tf.mul(x, w));
  const x = tf.ones([2]);
  step(x).dispose();
  w.dispose();
  assert.throws(() => step(x), /variable disposedLater has been disposed/);
  step.dispose();
  x.dispose();
});

test('the rewrites (TanhGrad, one stacked MatMul for a weight used at every step) leave a tanh loop equal to eager', () => {
  // A small recurrence: the weight `w` is used at each of 6 steps, through tanh.
  const init = [tf.randomNormal([5, 5], 0, 0.4, 'float32', 3)];
  const [eager, traced] = twin(init);
  const sgd = (vars: tf.Variable[]) => (x: tf.Tensor) => {
    const { value, grads } = tf.variableGrads(() => {
      let h = tf.zeros([4, 5]);
      for (const row of tf.unstack(x, 1)) h = tf.tanh(tf.add(row, tf.matMul(h, vars[0]!)));
      return tf.sum(tf.square(h));
    }, vars);
    tf.tidy(() => vars[0]!.assign(tf.sub(vars[0]!, tf.mul(0.05, grads[vars[0]!.name]!))));
    tf.dispose(grads);
    return value;
  };
  const step = traceStep(sgd(traced));
  for (const x of batches(50, [4, 6, 5], 300)) {
    const [a, b] = [tf.tidy(() => sgd(eager)(x)), step(x)];
    assert.ok(Math.abs(a.dataSync()[0]! - b.dataSync()[0]!) < 1e-5, 'the loss each returns');
    tf.dispose([a, b, x]);
  }
  assert.ok(maxDiff(eager, traced) < 1e-6, `weights differ by ${maxDiff(eager, traced)}`);
  assert.deepEqual(step.traces[0]!.rewrites, { tanhGrad: 6, stackedMatMul: 1 });
  step.dispose();
  tf.dispose([...init, ...eager, ...traced]);
});

test("a step's new values reach the variables, and a tensor sharing a variable's data keeps the old value", () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const step = traceStep(() => void w.assign(tf.mul(w, 10)));
  step();
  assert.deepEqual(Array.from(w.dataSync()), [10, 20]);
  const before = w.clone(); // shares w's data, as tfjs's clone does
  step();
  assert.deepEqual(Array.from(w.dataSync()), [100, 200]);
  assert.deepEqual(Array.from(before.dataSync()), [10, 20]);
  step();
  assert.deepEqual(Array.from(w.dataSync()), [1000, 2000]);
  tf.dispose([w, before]);
  step.dispose();
});
