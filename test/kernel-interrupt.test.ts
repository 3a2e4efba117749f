import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

interface Run { status: string; evalue: string; stdout: string; replySeconds: number | null }
interface Report { tensorsBefore: string; interrupted: Run; epochsAfter: string; rerun: Run; tensorsAfter: string; alive: boolean }

test('interrupting the notebook\'s training in a real tslab kernel stops the loop, leaks nothing, and a re-run trains cleanly', { timeout: 240_000 }, () => {
  const out = execFileSync(path.join(ROOT, '.venv/bin/python'),
    [path.join(ROOT, 'test/kernel_interrupt.py'), path.join(ROOT, 'notebooks/rnn-mnist.ipynb'), path.join(ROOT, 'notebooks')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 230_000 });
  const report = JSON.parse(out) as Report;

  assert.equal(report.interrupted.status, 'error', 'the interrupted cell should end with an error reply');
  assert.match(report.interrupted.evalue, /Interrupted/);
  assert.ok((report.interrupted.replySeconds ?? Infinity) < 2, `the reply came ${report.interrupted.replySeconds} s after the interrupt`);
  // Epochs seen, then two seconds later: the same count means the loop really stopped.
  const [seen, later, tensors] = report.epochsAfter.split(' ');
  assert.equal(later, seen, 'training went on after the interrupt');
  assert.equal(tensors, report.tensorsBefore, 'tensors leaked by the interrupted run');
  assert.equal(report.rerun.status, 'ok');
  assert.deepEqual([...report.rerun.stdout.matchAll(/^(\d) Train accuracy: /gm)].map((m) => m[1]), ['0', '1', '2', '3', '4']);
  assert.equal(report.tensorsAfter, report.tensorsBefore, 'tensors leaked by the re-run');
  assert.ok(report.alive, 'the kernel died');
});
