// bench/bench.ts on a tiny data set: this project's side end to end, its report and the two
// closing ratio lines; the Python peers need their virtualenvs, so `npm run bench` alone runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { tempDir, writeTinyMnist } from '../../test/helpers/synthetic-idx';

const bench = path.join(__dirname, '..', 'bench.ts');
const runBench = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', bench, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });

test('a one-epoch, one-round run without peers reports ours and ends with both ratio lines', () => {
  const data = tempDir('bench-test-');
  try {
    // 5,000 go to validation, as in TF, leaving 100 to train on: two batches of 50.
    writeTinyMnist(data.dir, 5100, 1000);
    const r = runBench(['--epochs', '1', '--rounds', '1', '--peers', 'none', '--data', data.dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}ours: 0 Train accuracy: [\d.]+ Test accuracy: [\d.]+$/m);
    assert.match(r.stdout, /^round 1 of 1: ours, one at a time$/m);
    assert.match(r.stdout, /^ {2}seconds per epoch: median \d+\.\d\d over 1 round\(s\) \(\d+\.\d\d\)$/m);
    assert.match(r.stdout, /^ {2}test accuracy after 1 epoch\(s\): \d+\.\d\d% of 1000$/m);
    assert.match(r.stdout, /^ {2}peak RSS: \d+ MiB$/m);
    assert.deepEqual(r.stdout.trim().split('\n').slice(-2), [
      'ratio ours/tf1 s-per-epoch: n/a (tf1 not in --peers)',
      'ratio ours/fastest-peer s-per-epoch: n/a (no peer ran)',
    ]);
  } finally {
    data.remove();
  }
});

test('bad options are refused, naming the option and what it got', () => {
  const data = tempDir('bench-test-');
  try {
    const missing = runBench(['--data', data.dir]);
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /Expected `--data` to be mnist, fashion-mnist or a folder of the four IDX files, got .*lacks train-images-idx3-ubyte/,
    );
    assert.match(
      runBench(['--peers', 'tf1,keras']).stderr,
      /Expected `--peers` to list some of tf1, torch, jax \(or be none\), got keras/,
    );
    assert.match(runBench(['--epochs', '0']).stderr, /Expected `--epochs` to be a positive integer, got 0/);
    assert.match(runBench(['--cell', 'rnn']).stderr, /Expected `--cell` to be basic, lstm or gru, got rnn/);
    assert.match(runBench(['--rounds', '1.5']).stderr, /Expected `--rounds` to be a positive integer, got 1.5/);
    assert.match(runBench(['--epoch', '2']).stderr, /Unknown option '--epoch'/);
  } finally {
    data.remove();
  }
});
