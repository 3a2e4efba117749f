import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';

test('tfjs-node runs on the native TensorFlow backend, not the pure-JS fallback', () => {
  assert.equal(tf.getBackend(), 'tensorflow');
});

test('a matMul on the native backend gives the known product', () => {
  const product = tf.tidy(() =>
    tf
      .matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([
          [5, 6],
          [7, 8],
        ]),
      )
      .arraySync(),
  );
  assert.deepEqual(product, [
    [19, 22],
    [43, 50],
  ]);
});
