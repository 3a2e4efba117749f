// lib/graph/: graphs built in TypeScript, written as a SavedModel and run by TensorFlow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v8 from 'v8';
import * as vm from 'vm';
import * as tf from '@tensorflow/tfjs-node';
import { nodeBackend } from '@tensorflow/tfjs-node/dist/nodejs_kernel_backend.js';
import { createSession, Graph, graphOps, savedModelProto } from '../../lib/graph';
import { tfProto } from '../../lib/graph/tf-proto';

test('Graph names nodes after their op, numbered as TF-1 does, and refuses a duplicate name', () => {
  const g = new Graph();
  const a = g.placeholder('a', 'float', [2, 2]);
  assert.equal(a, 'a:0');
  assert.equal(g.op('Tanh', [a], { T: { type: 'float' } }), 'Tanh:0');
  assert.equal(g.op('Tanh', [a], { T: { type: 'float' } }), 'Tanh_1:0');
  assert.deepEqual(g.add('Unpack', [a], { T: { type: 'float' }, num: { i: 2 } }, 2), ['Unpack:0', 'Unpack:1']);
  assert.throws(() => g.placeholder('a', 'float', []), /Graph: a node named a already exists/);
});

test('a session runs the graph and gives what eager TensorFlow gives', () => {
  const g = new Graph();
  const ops = graphOps(g);
  const x = g.placeholder('x', 'float', [-1, 3]);
  const w = g.placeholder('w', 'float', [3, 2]);
  g.name(ops.tanh(ops.matMul(x, w)), 'h');
  g.name(ops.sum(ops.matMul(x, w, false, false), 0), 'total');
  const session = createSession(g);
  const xv = tf.tensor2d([
    [1, 2, 3],
    [-1, 0, 0.5],
  ]);
  const wv = tf.tensor2d([
    [0.1, -0.2],
    [0.3, 0.4],
    [-0.5, 0.6],
  ]);
  const before = tf.memory().numTensors;
  const [h, total] = session.run({ x: xv, w: wv }, ['h', 'total']);
  assert.equal(tf.memory().numTensors, before + 2);
  const want = tf.tanh(tf.matMul(xv, wv));
  assert.deepEqual(h!.shape, [2, 2]);
  assert.ok(tf.max(tf.abs(tf.sub(h!, want))).dataSync()[0]! < 1e-6);
  assert.deepEqual(
    Array.from(total!.dataSync()).map((v) => +v.toFixed(5)),
    [-1.15, 2.9],
  ); // [-0.8, 2.4] + [-0.35, 0.5]
  tf.dispose([h!, total!, want, xv, wv]);
  session.dispose();
});

test("a session's variables keep their values between runs, and a target runs only when a fetch depends on it", () => {
  const g = new Graph();
  const ops = graphOps(g);
  const counter = ops.variable('counter', [2]);
  const assign = ops.assignVariable(counter, g.placeholder('counter/value', 'float', [2]));
  const value = ops.readVariable(counter);
  g.name(value, 'counter/read');
  g.name(g.constant(0), 'set', 'float', [assign]);
  // Adds one after the read that the fetched value comes from.
  const increment = ops.assignVariable(counter, ops.add(value, g.constant([1, 1])));
  g.name(value, 'incremented', 'float', [increment]);
  const session = createSession(g);
  const start = tf.tensor1d([3, -1]);
  tf.dispose(session.run({ 'counter/value': start }, ['set']));
  const read = () => {
    const [t] = session.run({}, ['counter/read']);
    const values = Array.from(t!.dataSync());
    t!.dispose();
    return values;
  };
  assert.deepEqual(read(), [3, -1]);
  assert.deepEqual(read(), [3, -1], 'reading changes nothing');
  tf.dispose(session.run({}, ['incremented']));
  tf.dispose(session.run({}, ['incremented']));
  assert.deepEqual(read(), [5, 1]);
  start.dispose();
  session.dispose();
});

test('string attributes reach TensorFlow as their UTF-8 text, not as base64', () => {
  const g = new Graph();
  const ops = graphOps(g);
  ops.variable('kernel/Adam_1', [1]);
  const attr = tfProto.SavedModel.deserializeBinary(savedModelProto(g))
    .getMetaGraphsList()[0]!
    .getGraphDef()
    .getNodeList()[0]!
    .getAttrMap()
    .get('shared_name');
  assert.equal(Buffer.from(attr!.getS_asU8()).toString('utf8'), 'kernel/Adam_1');
});

test('a session names the input or output it does not have, and refuses to run once disposed', () => {
  const g = new Graph();
  g.name(graphOps(g).tanh(g.placeholder('x', 'float', [-1])), 'y');
  const session = createSession(g);
  const x = tf.tensor1d([0.5]);
  assert.throws(() => session.run({ z: x }, ['y']), /GraphSession.run: the graph has no input named z/);
  assert.throws(() => session.run({ x }, ['x']), /GraphSession.run: the graph has no output named x/);
  // TensorFlow's own message names the missing feed.
  assert.throws(() => session.run({}, ['y']), /You must feed a value for placeholder tensor 'x' with dtype float/);
  session.dispose();
  assert.throws(() => session.run({ x }, ['y']), /GraphSession.run: the session has been disposed/);
  x.dispose();
});

test('a session feeds each input as its own dtype and names an input fed the wrong one', () => {
  const g = new Graph();
  const labels = g.placeholder('labels', 'int32', [-1]);
  g.name(g.op('Cast', [labels], { SrcT: { type: 'int32' }, DstT: { type: 'float' } }), 'asFloat');
  g.name(g.op('Identity', [labels], { T: { type: 'int32' } }), 'same', 'int32');
  const session = createSession(g);
  const ints = tf.tensor1d([3, -2], 'int32');
  const floats = tf.tensor1d([3, -2]);
  const [asFloat, same] = session.run({ labels: ints }, ['asFloat', 'same']);
  assert.equal(asFloat!.dtype, 'float32');
  assert.deepEqual(Array.from(asFloat!.dataSync()), [3, -2]);
  assert.equal(same!.dtype, 'int32');
  assert.deepEqual(Array.from(same!.dataSync()), [3, -2]);
  assert.throws(
    () => session.run({ labels: floats }, ['asFloat']),
    /GraphSession.run: expected `labels` to be of dtype int32, got float32/,
  );
  tf.dispose([asFloat!, same!, ints, floats]);
  session.dispose();
});

test('the SavedModel signature gives each input and output its dtype', () => {
  const g = new Graph();
  const labels = g.placeholder('labels', 'int32', [-1]);
  g.name(g.op('Cast', [labels], { SrcT: { type: 'int32' }, DstT: { type: 'float' } }), 'asFloat');
  const signature = tfProto.SavedModel.deserializeBinary(savedModelProto(g))
    .getMetaGraphsList()[0]
    ?.getSignatureDefMap()
    .get('serving_default');
  assert.equal(signature?.getInputsMap().get('labels')?.getDtype(), tfProto.DataType.DT_INT32);
  assert.equal(signature?.getOutputsMap().get('asFloat')?.getDtype(), tfProto.DataType.DT_FLOAT);
});

test("a graph TensorFlow rejects gives TensorFlow's reason", () => {
  const g = new Graph();
  g.name(g.op('NoSuchOp', [g.placeholder('x', 'float', [])]), 'y');
  assert.throws(() => createSession(g), /NoSuchOp/);
});

test('a session dropped without dispose() is freed by garbage collection; a disposed one only once', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const backend = nodeBackend();
  const before = backend.getNumOfSavedModels();
  const make = () => {
    const g = new Graph();
    g.name(graphOps(g).tanh(g.placeholder('x', 'float', [-1])), 'y');
    return createSession(g);
  };
  make(); // dropped at once
  make().dispose();
  assert.equal(backend.getNumOfSavedModels(), before + 1);
  for (let i = 0; i < 20 && backend.getNumOfSavedModels() > before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(backend.getNumOfSavedModels(), before);
});
