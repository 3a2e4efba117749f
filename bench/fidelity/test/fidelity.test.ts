// `npm run bench -- --seeds N` on the committed MNIST subset: 2 seeds, 1 epoch, this project and the
// seed's TF-1 code (the tf1 peer, in its virtualenv under .cache/, made on first use), to the closing line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureVenv, peerPython, PEERS } from '../../peers';
import { skipping } from '../../../test/helpers/skip';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NAME = 'npm run bench -- --seeds 2 --epochs 1 on the MNIST subset: both sides, the statistics, the closing line';
// Making the tf1 peer's virtualenv downloads TensorFlow for Python (about 270 MB): CI makes it, and
// so does `npm run bench`; on a learner's machine without it, the test says so and skips.
const venv = peerPython(PEERS.tf1!);
function madeOrWhyNot(): string | null {
  const failed = ensureVenv(PEERS.tf1!);
  return failed === null ? null : `found it cannot be made: ${failed}`;
}
const notReady =
  process.env.CI === 'true' || fs.existsSync(venv)
    ? madeOrWhyNot()
    : `found none (${path.relative(ROOT, venv)} is missing); make it with \`npm run bench -- --seeds 2 --epochs 1\` (downloads TensorFlow for Python, about 270 MB)`;

test(
  NAME,
  {
    timeout: 300_000,
    skip: notReady
      ? skipping(NAME, `needs the tf1 peer's virtualenv (.cache/venv-tf, TensorFlow 2.21 for Python), ${notReady}`)
      : false,
  },
  () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'bench', 'bench.ts'),
        '--seeds',
        '2',
        '--epochs',
        '1',
        '--data',
        'test/fixtures/mnist-subset',
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } },
    );
    assert.equal(run.status, 0, run.stderr.slice(-3000));
    const out = run.stdout;
    assert.match(out, /^fidelity: seed 1 of 2: ours, tf1, one at a time$/m);
    assert.match(out, /^fidelity: seed 2 of 2: tf1, ours, one at a time$/m);
    assert.match(
      out,
      /^ {2}epoch 0: ours 0\.\d{4} ± 0\.\d{4} \[0\.\d{4}, 0\.\d{4}\] {3}tf1 0\.\d{4} ± 0\.\d{4} \[0\.\d{4}, 0\.\d{4}\]$/m,
    );
    assert.match(
      out,
      /^fidelity: Welch's two-sided t-test of the final accuracies: t = -?\d+\.\d{3}, df = \d+\.\d, p = [01]\.\d{3}$/m,
    );
    assert.match(
      out,
      /^fidelity: seconds per epoch, median over every epoch of every seed: ours \d+\.\d\d, tf1 \d+\.\d\d/m,
    );
    const last = out.trim().split('\n').pop();
    assert.match(
      last ?? '',
      /^fidelity ours vs tf1 over 2 seeds: final test accuracy 0\.\d{4} ± 0\.\d{4} vs 0\.\d{4} ± 0\.\d{4}, p = [01]\.\d\d$/,
    );
  },
);

test('bench refuses a seed count under 2: a spread needs two', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'bench.ts'), '--seeds', '1'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Expected `--seeds` to be an integer of at least 2, got 1/);
});
