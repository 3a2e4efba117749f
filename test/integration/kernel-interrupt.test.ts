import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  status: string;
  evalue: string;
  stdout: string;
  replySeconds: number | null;
}
interface Report {
  tensorsBefore: string;
  interrupted: Run;
  batchesAfter: string;
  rerun: Run;
  tensorsAfter: string;
  alive: boolean;
  aliveAfterIdleInterrupt: boolean;
  aliveAfterSecondIdleInterrupt: boolean;
}

for (const kernel of ['tslab', 'deno']) {
  test(
    `interrupting the notebook's training in a real ${kernel} kernel stops the loop, leaks nothing, and a re-run trains cleanly; interrupts between cells leave it alive`,
    { timeout: 700_000 },
    () => {
      // With the earlier eager training path (about 160 native calls a step), the kernel
      // process died now and then of a glibc heap-corruption abort ("corrupted size vs.
      // prev_size") right after the interrupt: 7 of 32 tries. Since a step is one graph
      // call it has not happened (0 of 40), but the cause was never pinned down. A dead
      // kernel alone is therefore retried, and said, while every other failure fails at once.
      let out: string;
      for (let attempt = 1; ; attempt++) {
        const probe = spawnSync(
          path.join(ROOT, '.venv/bin/python'),
          [
            path.join(ROOT, 'test/integration/kernel_interrupt.py'),
            path.join(ROOT, 'notebooks/rnn-mnist.ipynb'),
            path.join(ROOT, 'notebooks'),
            kernel,
          ],
          { encoding: 'utf8', timeout: 230_000 },
        );
        const stderr = (probe.stderr ?? '')
          .split('\n')
          .filter((l) => !/^(WARNING: All log|I0000)/.test(l))
          .join('\n');
        if (probe.status === 0) {
          out = probe.stdout;
          break;
        }
        const kernelDied = /kernel alive: False/.test(stderr);
        if (!kernelDied || attempt === 4) {
          assert.fail(
            `test/integration/kernel_interrupt.py failed (${probe.signal ?? probe.status}, attempt ${attempt}):\n${stderr.slice(-3000)}`,
          );
        }
        console.log(
          `# kernel died after the interrupt (attempt ${attempt}): ${stderr.match(/^.*(corrupted|free\(\)|Segmentation).*$/m)?.[0] ?? 'no message'}; trying again`,
        );
      }
      const report = JSON.parse(out) as Report;

      assert.equal(report.interrupted.status, 'error', 'the interrupted cell should end with an error reply');
      assert.match(report.interrupted.evalue, /Interrupted/);
      assert.ok(
        (report.interrupted.replySeconds ?? Infinity) < 2,
        `the reply came ${report.interrupted.replySeconds} s after the interrupt`,
      );
      // Batches trained, then two seconds later: the same count means the loop really stopped.
      const [seen, later, tensors] = report.batchesAfter.split(' ');
      assert.ok(Number(seen) > 0, `expected some batches trained before the interrupt, got ${seen}`);
      assert.equal(later, seen, 'training went on after the interrupt');
      assert.equal(tensors, report.tensorsBefore, 'tensors leaked by the interrupted run');
      assert.equal(report.rerun.status, 'ok');
      assert.deepEqual(
        [...report.rerun.stdout.matchAll(/^(\d) Train accuracy: /gm)].map((m) => m[1]),
        ['0', '1', '2', '3', '4'],
      );
      assert.equal(report.tensorsAfter, report.tensorsBefore, 'tensors leaked by the re-run');
      assert.ok(report.alive, 'the kernel died');
      assert.ok(report.aliveAfterIdleInterrupt, 'the kernel did not answer after an interrupt between cells');
      assert.ok(report.aliveAfterSecondIdleInterrupt, 'the kernel did not answer after an interrupt after training');
    },
  );
}
