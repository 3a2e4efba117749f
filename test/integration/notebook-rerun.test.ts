// The notebook can be run again and again: all its code cells, five times in one kernel, leave
// tf.memory() the same after every run (a re-run frees what the run before made), on tslab and on
// Deno's kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNS = 5;

interface Memory {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
}

for (const kernel of ['tslab', 'deno']) {
  test(`all the notebook's code cells, run ${RUNS} times in one ${kernel} kernel, leave tf.memory() as it was`, () => {
    const probe = spawnSync(
      path.join(ROOT, '.venv/bin/python'),
      [
        path.join(ROOT, 'test/integration/notebook_rerun.py'),
        kernel,
        path.join(ROOT, 'notebooks/rnn-mnist.ipynb'),
        String(RUNS),
      ],
      { encoding: 'utf8', timeout: 600_000 },
    );
    assert.equal(probe.status, 0, `notebook_rerun.py failed:\n${(probe.stderr ?? '').slice(-3000)}`);
    const { memory } = JSON.parse(probe.stdout) as { memory: Memory[] };
    assert.equal(memory.length, RUNS);
    const first = memory[0]!;
    assert.ok(first.numTensors > 0, 'the model and the data are in memory after a run');
    memory.forEach((m, i) =>
      assert.deepEqual(
        { numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes },
        { numTensors: first.numTensors, numDataBuffers: first.numDataBuffers, numBytes: first.numBytes },
        `run ${i + 1} of ${RUNS}: tf.memory() differs from the first run's`,
      ),
    );
  });
}
