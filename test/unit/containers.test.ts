// The launch configurations (README "Without installing anything"): the dev container and Binder
// share one system, the dev container's JSON says what to build and run, and the GitHub workflow
// runs the project's CI script. (`npm run lint` checks the workflow against GitHub's schema.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
/** A Dockerfile's instructions from FROM on, comments and blank lines left out. */
const fromOn = (text: string) =>
  text
    .slice(text.indexOf('\nFROM ') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));

test("binder/Dockerfile starts with .devcontainer/Dockerfile's system, step for step", () => {
  const dev = fromOn(read('.devcontainer/Dockerfile'));
  const binder = fromOn(read('binder/Dockerfile'));
  assert.ok(dev.length > 5, 'no steps found in .devcontainer/Dockerfile');
  assert.deepEqual(binder.slice(0, dev.length), dev);
  assert.ok(binder.includes('RUN npm run setup'), 'Binder does not set the project up');
});

test("Binder's own launch finds JupyterLab: python3 from .venv, with jupyterlab 3 or newer", () => {
  // BinderHub (helm-chart/binderhub/values.yaml, singleuser.cmd) runs `python3 -c …`, which
  // imports jupyterlab and execs `jupyter-lab`, else `jupyter-notebook`, which .venv lacks.
  assert.match(read('binder/Dockerfile'), /^ENV PATH=\$\{HOME\}\/\.venv\/bin:\$\{PATH\}$/m);
  const lab = /^jupyterlab==(\d+)\./m.exec(read('requirements-jupyter.txt'));
  assert.ok(lab && Number(lab[1]) >= 3, `expected jupyterlab>=3 pinned in requirements-jupyter.txt, got ${lab?.[0]}`);
});

test('devcontainer.json builds the Dockerfile beside it and runs the set-up on creation', () => {
  // JSON with comments, as VS Code reads it: drop // comments that start a line.
  const text = read('.devcontainer/devcontainer.json')
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  const config = JSON.parse(text) as { build: { dockerfile: string }; postCreateCommand: string };
  assert.ok(fs.existsSync(path.join(ROOT, '.devcontainer', config.build.dockerfile)));
  assert.equal(config.postCreateCommand, 'npm run setup');
});

test('the GitHub workflow runs .ci/run', () => {
  assert.match(read('.github/workflows/ci.yml'), /^ {8}run: bash \.ci\/run$/m);
});
