// lib/data/pixel-order.ts: permuted MNIST's fixed pixel order, and images read in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permutePixels, pixelPermutation } from '../../lib/data';

test('pixelPermutation holds each of the 784 pixels once, the same for the same seed', () => {
  const order = pixelPermutation(42);
  assert.equal(order.length, 784);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    Array.from({ length: 784 }, (_, i) => i),
  );
  assert.deepEqual(pixelPermutation(42), order);
  assert.notDeepEqual(pixelPermutation(43), order);
  assert.notDeepEqual(
    [...order],
    Array.from({ length: 784 }, (_, i) => i),
  );
});

test("permutePixels reads pixel permutation[k] of each image into place k, as NumPy's images[:, permutation]", () => {
  const images = Float32Array.from([10, 11, 12, 20, 21, 22]); // two images of three pixels
  assert.deepEqual([...permutePixels(images, Int32Array.from([2, 0, 1]))], [12, 10, 11, 22, 20, 21]);
  assert.equal(permutePixels(images), images);
});

test('permutePixels names a permutation that is not one, and images of the wrong size', () => {
  const images = new Float32Array(6);
  assert.throws(() => permutePixels(images, Int32Array.from([0, 0, 1])), /each of 0 … 2 once .*got 0 twice/);
  assert.throws(() => permutePixels(images, Int32Array.from([0, 3, 1])), /got 3 out of range/);
  assert.throws(
    () => permutePixels(new Float32Array(7), Int32Array.from([2, 0, 1])),
    /3 pixels each, got an array of length 7/,
  );
});
