// lib/checks.ts: the argument checks shared by lib/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonNegativeInteger, positiveInteger } from '../../lib/checks';

test('positiveInteger returns an integer above zero and names the argument of anything else', () => {
  assert.equal(positiveInteger('batchSize', 50), 50);
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(
      () => positiveInteger('batchSize', bad),
      new RegExp(`^Error: Expected \`batchSize\` to be a positive integer, got ${bad}$`),
    );
  }
});

test('nonNegativeInteger returns zero or more and names the argument of anything else', () => {
  assert.equal(nonNegativeInteger('validationSize', 0), 0);
  assert.equal(nonNegativeInteger('validationSize', 5000), 5000);
  for (const bad of [-1, 0.5, NaN]) {
    assert.throws(
      () => nonNegativeInteger('validationSize', bad),
      new RegExp(`^Error: Expected \`validationSize\` to be a non-negative integer, got ${bad}$`),
    );
  }
});
