// The notebook runner (scripts/nbtest.ts): its comparison rules without a kernel, then
// the real tslab kernel through Jupyter on the tiny notebooks in test/notebooks/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compareItems, describeImage, describePlotly, mergeStreams, toItems } from '../scripts/nbtest/outputs';
import { formatFailure, lineDiff } from '../scripts/nbtest/report';
import { readCells, testNotebook, type TestOptions } from '../scripts/nbtest/run';
import { parseSanitizeConfig, readSanitizeConfig, sanitize } from '../scripts/nbtest/sanitize';

const ROOT = path.join(__dirname, '..');
const NOTEBOOKS = path.join(__dirname, 'notebooks');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

describe('comparison rules', () => {
  test('a sanitizer file in nbval format rewrites numbers, with Python back-references', () => {
    const rules = parseSanitizeConfig('# timings\n[time]\nregex: (\\d+\\.\\d+) s\nreplace: T s\n\n[acc]\nregex: (accuracy): \\d\\.\\d+\nreplace: \\1: ACC\n');
    assert.equal(sanitize('0 Train accuracy: 0.94 in 12.5 s', rules), '0 Train accuracy: ACC in T s');
  });

  test('a sanitizer section without regex names the file and line', () => {
    assert.throws(() => parseSanitizeConfig('[a]\nreplace: x\n', 'x.cfg'), /x\.cfg:1: expected section \[a\] to have a `regex:` line/);
  });

  test('stream text is merged per stream, carriage returns applied', () => {
    const merged = mergeStreams([
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: ['10%\r', '100%\n'] },
    ]);
    assert.deepEqual(merged.map((o) => [o.name, o.text]), [['stdout', 'a\n100%\n'], ['stderr', 'warn\n']]);
  });

  test('display data and execute results compare alike, per mime type, metadata ignored', () => {
    const stored = toItems([{ output_type: 'execute_result', data: { 'text/plain': '1', 'text/html': '<b>1</b>' } }], []);
    const fresh = toItems([{ output_type: 'display_data', data: { 'text/html': '<b>1</b>', 'text/plain': '1' } }], []);
    assert.deepEqual(compareItems(stored, fresh), []);
  });

  test('a Plotly figure compares by its traces and titles, not by its numbers', () => {
    const fig = (name: string, y: number[]) => ({ data: [{ type: 'scatter', name, y }], layout: { title: { text: 'Loss' } } });
    assert.equal(describePlotly(fig('loss', [1, 2])), describePlotly(fig('loss', [3, 4, 5])));
    assert.notEqual(describePlotly(fig('loss', [1])), describePlotly(fig('accuracy', [1])));
  });

  test('a static snapshot stored beside a Plotly figure is not compared; the figure is', () => {
    const figure = { data: [{ type: 'heatmap' }], layout: {} };
    const stored = toItems([{ output_type: 'display_data', data: { 'application/vnd.plotly.v1+json': figure, 'image/png': 'iVBORw0K' } }], []);
    const fresh = toItems([{ output_type: 'display_data', data: { 'application/vnd.plotly.v1+json': figure } }], []);
    assert.deepEqual(compareItems(stored, fresh), []);
    const pngAlone = toItems([{ output_type: 'display_data', data: { 'image/png': 'iVBORw0K' } }], []);
    assert.equal(pngAlone.length, 1);
  });

  test('a PNG compares by its pixel size', () => {
    const png = Buffer.alloc(24);
    png.writeUInt32BE(0x89504e47, 0);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    assert.equal(describeImage('image/png', png.toString('base64')), 'image/png 640x480');
  });

  test('a failure report names notebook, cell and first line, expected against got', () => {
    assert.deepEqual(lineDiff('a\nb\n', 'a\nc\n'), ['  a', '- b', '+ c']);
    const text = formatFailure({ notebook: 'n.ipynb', index: 3, firstLine: 'console.log(1);', reason: 'outputs differ',
      mismatches: [{ position: 0, expected: { label: 'stdout', text: '3\n' }, got: { label: 'stdout', text: '2\n' } }] });
    assert.match(text, /^FAIL n\.ipynb cell 3: "console\.log\(1\);"/);
    assert.match(text, /- 3\n {4}\+ 2/);
  });
});

// Each of these starts a tslab kernel through Jupyter (about 3 s); two at a time.
describe('on the real tslab kernel', { concurrency: 2 }, () => {
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-test-'));
  const options: TestOptions = {
    python: PYTHON, kernel: 'tslab', timeoutSeconds: 60, lax: false,
    rules: readSanitizeConfig(path.join(NOTEBOOKS, 'nbval-sanitize.cfg')),
    env: { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir },
  };
  after(() => fs.rmSync(runtimeDir, { recursive: true, force: true }));
  const run = (name: string, extra: Partial<TestOptions> = {}) => testNotebook(path.join(NOTEBOOKS, name), { ...options, ...extra });

  test('the smoke notebook loads tfjs-node with its native backend and passes', async () => {
    const result = await run('smoke.ipynb');
    assert.deepEqual(result.failures.map(formatFailure), []);
    assert.equal(result.compared, 2);
  });

  test('a throwing cell fails and shows the error; patched tslab reports it by the Jupyter spec', async () => {
    const result = await run('throws.ipynb');
    assert.deepEqual(result.failures.map((f) => [f.index, f.reason]), [[2, 'the cell raised an error']]);
    assert.match(result.failures[0]?.errorText ?? '', /Error: boom/);
    // The patch: kernel_info_reply has a status; the error is an `error` output (iopub), not stderr text.
    assert.equal(result.run.kernelInfoStatus, 'ok');
    const thrown = result.run.cells.get(2);
    assert.deepEqual({ ename: thrown?.error?.ename, evalue: thrown?.error?.evalue }, { ename: 'Error', evalue: 'boom' });
    assert.deepEqual(thrown?.outputs.map((o) => [o.output_type, o.ename, o.evalue]), [['error', 'Error', 'boom']]);
    // The next cell, sent right after the error, still runs (tslab aborts requests within 200 ms).
    assert.equal(result.run.cells.get(3)?.status, 'ok');
  });

  test('a deliberately wrong stored output fails, and the CLI exits 1 with a diff', () => {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'nbtest.ts'), path.join(NOTEBOOKS, 'wrong-output.ipynb')],
      { encoding: 'utf8', env: { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir } });
    assert.equal(cli.status, 1, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /FAIL .*wrong-output\.ipynb cell 1: "console\.log\(1 \+ 1\);"\n.*\n.*\n {4}- 3\n {4}\+ 2/);
  });

  test('a cell tagged nbval-ignore-output passes whatever it prints', async () => {
    const result = await run('ignored.ipynb');
    assert.deepEqual(result.failures.map(formatFailure), []);
    assert.deepEqual([result.passed, result.compared], [2, 1]);
  });

  test('nbval-skip is not run; raises-exception must throw; lax mode compares only check-output cells', async () => {
    const strict = await run('tags.ipynb');
    assert.deepEqual(strict.failures.map(formatFailure), []);
    assert.deepEqual([strict.skipped, strict.compared], [1, 2]);
    const lax = await run('wrong-output.ipynb', { lax: true });
    assert.deepEqual([lax.failures.length, lax.compared], [0, 0]);
  });

  test('sanitized numbers, a Plotly figure and an updated display compare in their final state', async () => {
    const result = await run('sanitized.ipynb');
    assert.deepEqual(result.failures.map(formatFailure), []);
    assert.equal(result.compared, 3);
    // Without the sanitizer, the printed accuracies differ from the stored ones.
    const stored = readCells(path.join(NOTEBOOKS, 'sanitized.ipynb'))[1]?.outputs ?? [];
    const fresh = result.run.cells.get(1)?.outputs ?? [];
    assert.equal(compareItems(toItems(stored, []), toItems(fresh, [])).length, 1);
  });
});
