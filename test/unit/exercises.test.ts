// lib/exercises/checks.ts: each check passes a right answer and fails wrong ones, saying where;
// lib/exercises/reference.ts still holds TensorFlow's numbers from test/fixtures/cells-reference.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-node';
import { checkClipByGlobalNorm, checkColumns, checkGruStep, checkReluCell, type GruStep } from '../../lib/exercises';
import { CLIP_REFERENCE, GRU_REFERENCE } from '../../lib/exercises/reference';
import { clipByGlobalNorm, createModel } from '../../lib/model';
import { exerciseReference, source, type Fixture } from '../fixtures/make-exercise-reference';

/** Runs a check, returns its verdict and its one line. */
function run(check: (log: (line: string) => void) => boolean): { ok: boolean; line: string } {
  const lines: string[] = [];
  const ok = check((line) => lines.push(line));
  assert.equal(lines.length, 1);
  return { ok, line: lines[0]! };
}

test('lib/exercises/reference.ts holds the numbers of test/fixtures/cells-reference.json', () => {
  const want = exerciseReference(JSON.parse(fs.readFileSync(source, 'utf8')) as Fixture);
  assert.deepEqual({ gru: GRU_REFERENCE, clip: CLIP_REFERENCE }, want);
});

test('checkReluCell passes a ReLU basic cell and fails the tanh one and an LSTM', () => {
  const config = { nSteps: 28, nInputs: 28, nNeurons: 16, nOutputs: 10, learningRate: 0.001, seed: 1 };
  const relu = createModel({ ...config, activation: tf.relu });
  const tanh = createModel(config);
  const lstm = createModel({ ...config, cell: 'lstm' });
  try {
    assert.match(run((log) => checkReluCell(relu, log)).line, /^✓ Right/);
    const wrong = run((log) => checkReluCell(tanh, log));
    assert.equal(wrong.ok, false);
    assert.match(
      wrong.line,
      /^✗ Not yet: .* at \[\d+\]\[\d+\]: want .*Hint: createModel\(\{ \.\.\., activation: tf\.relu \}\)/,
    );
    assert.match(
      run((log) => checkReluCell(lstm, log)).line,
      /^✗ Not yet: expected a model with the basic cell .*got 'lstm'/,
    );
  } finally {
    [relu, tanh, lstm].forEach((m) => m.dispose());
  }
});

// The GRU step written from its equations, as the solutions notebook writes it; `mixedTheOtherWay`
// takes h' = (1 - u) * h + u * c instead, a common slip.
const gruStepOf =
  (mixedTheOtherWay = false): GruStep =>
  (x, h, w) =>
    tf.tidy(() => {
      const [r, u] = tf.split(tf.sigmoid(tf.add(tf.matMul(tf.concat([x, h], 1), w.gatesKernel), w.gatesBias)), 2, 1);
      const c = tf.tanh(tf.add(tf.matMul(tf.concat([x, tf.mul(r!, h)], 1), w.candidateKernel), w.candidateBias));
      const [keep, take] = mixedTheOtherWay ? [tf.sub(1, u!), u!] : [u!, tf.sub(1, u!)];
      return tf.add(tf.mul(keep, h), tf.mul(take, c)) as tf.Tensor2D;
    });
const gruStep = gruStepOf();

test("checkGruStep passes the GRU's equations and fails the gates swapped, h and c mixed the other way, and a throw", () => {
  assert.deepEqual(
    run((log) => checkGruStep(gruStep, log)),
    {
      ok: true,
      line: "✓ Right: gruStep gives TensorFlow's GRUCell outputs at all 5 steps",
    },
  );
  // u taken for r and r for u.
  const swap = <T extends tf.Tensor>(t: T) => tf.concat(tf.split(t, 2, -1).reverse(), -1) as T;
  const gatesSwapped: GruStep = (x, h, w) =>
    gruStep(x, h, { ...w, gatesKernel: swap(w.gatesKernel), gatesBias: swap(w.gatesBias) });
  for (const wrong of [gatesSwapped, gruStepOf(true)]) {
    const verdict = run((log) => checkGruStep(wrong, log));
    assert.equal(verdict.ok, false);
    assert.match(
      verdict.line,
      /^✗ Not yet: gruStep differs from TensorFlow's GRUCell at step \d of 5, h\[\d\]\[\d\]: want -?\d/,
    );
  }
  const thrown = run((log) =>
    checkGruStep(() => {
      throw new Error('Exercise 2: write the GRU step here');
    }, log),
  );
  assert.deepEqual(thrown, { ok: false, line: '✗ Not yet: gruStep threw: Exercise 2: write the GRU step here' });
});

test("checkClipByGlobalNorm passes TF-1's clipping and fails clipping each tensor alone, or always scaling", () => {
  assert.match(
    run((log) => checkClipByGlobalNorm((g, n) => clipByGlobalNorm(g, n).clipped, log)).line,
    /^✓ Right: .*global norm 0\.6461, clipNorm 0\.25/,
  );
  const eachAlone = (grads: tf.Tensor[], n: number) => grads.map((g) => tf.clipByValue(g, -n, n));
  const alwaysScaled = (grads: tf.Tensor[], n: number) => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    return grads.map((g) => tf.div(tf.mul(g, n), norm));
  };
  assert.match(run((log) => checkClipByGlobalNorm(eachAlone, log)).line, /^✗ Not yet: .*gradient \d\[/);
  assert.match(
    run((log) => checkClipByGlobalNorm(alwaysScaled, log)).line,
    /^✗ Not yet: .*with a clipNorm above the global norm/,
  );
});

test('checkColumns passes a transpose of each image and fails the rows as they are, and a wrong length', () => {
  const transpose = (images: Float32Array) =>
    images.map((_, k) => images[Math.floor(k / 784) * 784 + (k % 28) * 28 + Math.floor((k % 784) / 28)]!);
  assert.match(run((log) => checkColumns(transpose, log)).line, /^✓ Right/);
  assert.match(
    run((log) => checkColumns((images) => images, log)).line,
    /^✗ Not yet: image 0, step 0, input 1 should be pixel \(row 1, column 0\), got value 1 \(want 28\)/,
  );
  assert.match(
    run((log) => checkColumns((images) => images.subarray(1), log)).line,
    /^✗ Not yet: expected a Float32Array of 2352 pixels back, got 2351 pixels/,
  );
});

test('the checks leave no tensors behind', () => {
  const before = tf.memory().numTensors;
  run((log) => checkGruStep(gruStep, log));
  run((log) => checkClipByGlobalNorm((g, n) => clipByGlobalNorm(g, n).clipped, log));
  assert.equal(tf.memory().numTensors, before);
});
