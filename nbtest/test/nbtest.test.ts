// The notebook runner (nbtest/): its comparison rules and command line without a
// kernel, then the real tslab kernel through Jupyter on the tiny notebooks in nbtest/test/notebooks/,
// and real nbval on the same notebooks, cell by cell.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseCli } from '../cli';
import { executeNotebook } from '../kernel';
import { compareItems, describeImage, describePlotly, mergeStreams, toItems } from '../outputs';
import { formatFailure, lineDiff } from '../report';
import { readCells, TAG, testNotebook, type NotebookResult, type TestOptions } from '../run';
import { parseSanitizeConfig, readSanitizeConfig, sanitize } from '../sanitize';

const ROOT = path.join(__dirname, '..', '..');
const NOTEBOOKS = path.join(__dirname, 'notebooks');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

describe('comparison rules', () => {
  test('a sanitizer file in nbval format rewrites numbers, with Python back-references', () => {
    const rules = parseSanitizeConfig(
      '# timings\n[time]\nregex: (\\d+\\.\\d+) s\nreplace: T s\n\n[acc]\nregex: (accuracy): \\d\\.\\d+\nreplace: \\1: ACC\n',
    );
    assert.equal(sanitize('0 Train accuracy: 0.94 in 12.5 s', rules), '0 Train accuracy: ACC in T s');
  });

  test('sanitizer pairs before any section count, as in nbval; sections hold several pairs', () => {
    const rules = parseSanitizeConfig(
      'regex: \\d+ ms\nreplace: T ms\n[a]\nregex: x\nreplace: y\nregex: z\nreplace: w\n',
    );
    assert.deepEqual(
      rules.map((r) => r.section),
      ['', 'a', 'a'],
    );
    assert.equal(sanitize('12 ms x z', rules), 'T ms y w');
  });

  test("a repeated sanitizer regex keeps its first place and its last replacement, as nbval's dict does", () => {
    const rules = parseSanitizeConfig('regex: a\nreplace: b\nregex: b\nreplace: c\nregex: a\nreplace: d\n');
    assert.equal(sanitize('ab', rules), 'dc');
  });

  test('a sanitizer line that nbval would silently skip is an error naming the file and line', () => {
    assert.throws(
      () => parseSanitizeConfig('[a]\nregex: x\n\nreplace: y\n', 'x.cfg'),
      /^Error: x\.cfg:3: expected `replace: …` on the line right after `regex: …`/,
    );
    assert.throws(() => parseSanitizeConfig('regex: x\nreplace:\n', 'x.cfg'), /x\.cfg:2: .*got "replace:"/);
    assert.throws(
      () => parseSanitizeConfig('regex:x\nreplace: y\n', 'x.cfg'),
      /x\.cfg:1: .*got "regex:x" \(nbval reads `regex: …`/,
    );
    assert.throws(
      () => parseSanitizeConfig('regex: (\nreplace: y\n', 'x.cfg'),
      /x\.cfg:1: expected `regex:` to be a valid regular expression/,
    );
  });

  test('stream text is merged per stream, carriage returns applied', () => {
    const merged = mergeStreams([
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: ['10%\r', '100%\n'] },
    ]);
    assert.deepEqual(
      merged.map((o) => [o.name, o.text]),
      [
        ['stdout', 'a\n100%\n'],
        ['stderr', 'warn\n'],
      ],
    );
  });

  test('display data and execute results compare alike, per mime type, metadata ignored', () => {
    const stored = toItems(
      [{ output_type: 'execute_result', data: { 'text/plain': '1', 'text/html': '<b>1</b>' } }],
      [],
    );
    const fresh = toItems([{ output_type: 'display_data', data: { 'text/html': '<b>1</b>', 'text/plain': '1' } }], []);
    assert.deepEqual(compareItems(stored, fresh), []);
  });

  test('a Plotly figure compares by its traces and titles, not by its numbers', () => {
    const fig = (name: string, y: number[]) => ({
      data: [{ type: 'scatter', name, y }],
      layout: { title: { text: 'Loss' } },
    });
    assert.equal(describePlotly(fig('loss', [1, 2])), describePlotly(fig('loss', [3, 4, 5])));
    assert.notEqual(describePlotly(fig('loss', [1])), describePlotly(fig('accuracy', [1])));
  });

  test('a static snapshot stored beside a Plotly figure is not compared; the figure is', () => {
    const figure = { data: [{ type: 'heatmap' }], layout: {} };
    const stored = toItems(
      [{ output_type: 'display_data', data: { 'application/vnd.plotly.v1+json': figure, 'image/png': 'iVBORw0K' } }],
      [],
    );
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
    const text = formatFailure({
      notebook: 'n.ipynb',
      index: 3,
      firstLine: 'console.log(1);',
      reason: 'outputs differ',
      mismatches: [{ position: 0, expected: { label: 'stdout', text: '3\n' }, got: { label: 'stdout', text: '2\n' } }],
    });
    assert.match(text, /^FAIL n\.ipynb cell 3: "console\.log\(1\);"/);
    assert.match(text, /- 3\n {4}\+ 2/);
  });
});

describe('command line', () => {
  test("defaults: strict, python3, the notebook's own kernel, the current folder", () => {
    assert.deepEqual(parseCli([]), { lax: false, python: 'python3', timeoutSeconds: 300, paths: ['.'], help: false });
  });

  test("options, nbval's spellings, and paths that replace --default-path", () => {
    const cli = parseCli([
      '--nbval-lax',
      '--nbval-sanitize-with',
      's.cfg',
      '--python',
      'py',
      '--kernel',
      'k',
      '--timeout',
      '5',
      '--default-path',
      'notebooks',
      'a.ipynb',
    ]);
    assert.deepEqual(cli, {
      lax: true,
      sanitizeWith: 's.cfg',
      python: 'py',
      kernels: ['k'],
      timeoutSeconds: 5,
      paths: ['a.ipynb'],
      help: false,
    });
    assert.deepEqual(parseCli(['--default-path', 'x', '--default-path', 'y']).paths, ['x', 'y']);
    assert.deepEqual(parseCli(['--kernel', 'tslab', '--kernel', 'deno']).kernels, ['tslab', 'deno']);
  });

  test('a bad option or value is named', () => {
    assert.throws(() => parseCli(['--full']), /Unknown option '--full'/);
    assert.throws(() => parseCli(['--timeout', '0']), /Expected `--timeout` to be a positive number of seconds, got 0/);
    assert.throws(() => parseCli(['--sanitize-with', 'a', '--nbval-sanitize-with', 'b']), /got both/);
  });
});

describe('the notebook driver', () => {
  test('a line on its stdout that is not JSON fails the run readably, naming the line', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-driver-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    // Stands in for a Python whose start-up (a sitecustomize, say) prints to stdout.
    const python = path.join(dir, 'python');
    fs.writeFileSync(
      python,
      '#!/bin/sh\necho \'{"event": "kernel", "status": "ok"}\'\necho "hello from sitecustomize"\nexec sleep 30\n',
      { mode: 0o755 },
    );
    const started = Date.now();
    await assert.rejects(
      executeNotebook('x.ipynb', { python, timeoutSeconds: 1, skip: [], env: process.env }),
      /^Error: Expected every line that nbexec\.py \(run by .*python\) prints on stdout to be one JSON event, got "hello from sitecustomize"/,
    );
    assert.ok(Date.now() - started < 5000, 'the driver is stopped, not waited for');
    // The command line reports it as that notebook's failure and exits 1, no stack trace.
    const cli = await runCli(python, 'wrong-output.ipynb', process.env);
    assert.equal(cli.status, 1, cli.output);
    assert.match(cli.output, /^FAIL .*wrong-output\.ipynb: Expected every line .* got "hello from sitecustomize"/m);
    assert.doesNotMatch(cli.output, /^\s+at /m);
  });
});

// Each of these starts a tslab kernel through Jupyter (about 3 s); two at a time.
describe('on the real tslab kernel', { concurrency: 2 }, () => {
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-test-'));
  const env = { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir };
  const sanitizer = path.join(NOTEBOOKS, 'nbval-sanitize.cfg');
  // No `kernel`: the runner takes the notebook's kernelspec (tslab), as nbval does.
  const options: TestOptions = {
    python: PYTHON,
    timeoutSeconds: 60,
    lax: false,
    rules: readSanitizeConfig(sanitizer),
    env,
  };
  after(() => fs.rmSync(runtimeDir, { recursive: true, force: true }));
  // One run per notebook and mode, shared by the tests below and the comparison with nbval.
  const runs = new Map<string, Promise<NotebookResult>>();
  const run = (name: string, lax = false): Promise<NotebookResult> => {
    const key = `${name} ${lax}`;
    if (!runs.has(key)) runs.set(key, testNotebook(path.join(NOTEBOOKS, name), { ...options, lax }));
    return runs.get(key)!;
  };

  test('the smoke notebook loads tfjs-node with its native backend and passes', async () => {
    const result = await run('smoke.ipynb');
    assert.deepEqual(result.failures.map(formatFailure), []);
    assert.equal(result.compared, 2);
  });

  test('a throwing cell fails and shows the error; patched tslab reports it by the Jupyter spec', async () => {
    const result = await run('throws.ipynb');
    assert.deepEqual(
      result.failures.map((f) => [f.index, f.reason]),
      [[2, 'the cell raised an error']],
    );
    assert.match(result.failures[0]?.errorText ?? '', /Error: boom/);
    // The patch: kernel_info_reply has a status; the error is an `error` output (iopub), not stderr text.
    assert.equal(result.run.kernelInfoStatus, 'ok');
    const thrown = result.run.cells.get(2);
    assert.deepEqual(
      { ename: thrown?.error?.ename, evalue: thrown?.error?.evalue },
      { ename: 'Error', evalue: 'boom' },
    );
    assert.deepEqual(
      thrown?.outputs.map((o) => [o.output_type, o.ename, o.evalue]),
      [['error', 'Error', 'boom']],
    );
    // The next cell, sent right after the error, still runs (tslab aborts requests within 200 ms).
    assert.equal(result.run.cells.get(3)?.status, 'ok');
  });

  test('a deliberately wrong stored output fails, and the CLI exits 1 with a diff', async () => {
    const cli = await runCli(PYTHON, 'wrong-output.ipynb', env);
    assert.equal(cli.status, 1, cli.output);
    assert.match(cli.output, /FAIL .*wrong-output\.ipynb cell 1: "console\.log\(1 \+ 1\);"\n.*\n.*\n {4}- 3\n {4}\+ 2/);
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
    const lax = await run('wrong-output.ipynb', true);
    assert.deepEqual([lax.failures.length, lax.compared], [0, 0]);
  });

  test('sanitized numbers, a Plotly figure and updated displays compare in their final state, nbtest-check-output in lax mode too', async () => {
    const result = await run('sanitized.ipynb');
    assert.deepEqual(result.failures.map(formatFailure), []);
    assert.equal(result.compared, 4);
    // Without the sanitizer, the printed accuracies differ from the stored ones.
    const stored = readCells(path.join(NOTEBOOKS, 'sanitized.ipynb'))[1]?.outputs ?? [];
    const fresh = result.run.cells.get(1)?.outputs ?? [];
    assert.equal(compareItems(toItems(stored, []), toItems(fresh, [])).length, 1);
    const lax = await run('sanitized.ipynb', true);
    assert.deepEqual([lax.failures.length, lax.compared], [0, 4]);
  });

  // Real nbval (pytest --nbval) on the same notebooks and sanitizer file. Where it and this
  // runner part ways on purpose, the list says which cell, in which mode, and why
  // (nbtest/README.md); every other cell must get the same verdict from both.
  const FIXTURES = ['ignored.ipynb', 'sanitized.ipynb', 'tags.ipynb', 'throws.ipynb', 'wrong-output.ipynb'];
  const DIFFER_ON_PURPOSE: { notebook: string; index: number; modes: Mode[]; why: string }[] = [
    {
      notebook: 'sanitized.ipynb',
      index: 2,
      modes: ['strict', 'lax'],
      why: "nbval compares a Plotly figure's numbers; nbtest its shape",
    },
    {
      notebook: 'sanitized.ipynb',
      index: 3,
      modes: ['strict', 'lax'],
      why: "nbval sees a display's first state; nbtest its final one",
    },
    {
      notebook: 'tags.ipynb',
      index: 3,
      modes: ['strict', 'lax'],
      why: 'tslab aborts a request within 200 ms of an error; nbtest waits',
    },
    {
      notebook: 'throws.ipynb',
      index: 3,
      modes: ['strict'],
      why: 'tslab aborts a request within 200 ms of an error; nbtest waits',
    },
  ];
  for (const mode of ['strict', 'lax'] as const) {
    test(`real nbval and nbtest give each fixture cell the same verdict, ${mode} (but where they differ on purpose)`, async () => {
      const { verdicts: nbval, details } = await runNbval(
        mode,
        FIXTURES.map((f) => path.join(NOTEBOOKS, f)),
        sanitizer,
        env,
      );
      const differ = new Map<string, string>();
      const said: string[] = [];
      for (const name of FIXTURES) {
        const result = await run(name, mode === 'lax');
        const codeCells = readCells(path.join(NOTEBOOKS, name)).flatMap((c, index) =>
          c.cell_type === 'code' ? [{ c, index }] : [],
        );
        codeCells.forEach(({ c, index }, number) => {
          const ours: Verdict = (c.metadata?.tags ?? []).includes(TAG.skip)
            ? 'skipped'
            : result.failures.some((f) => f.index === index)
              ? 'failed'
              : 'passed';
          const theirs = nbval.get(`${name} ${number}`);
          if (theirs !== ours) differ.set(`${name} cell ${index}`, `nbval ${theirs ?? 'no result'}, nbtest ${ours}`);
          if (theirs !== ours)
            said.push(`${name} cell ${index}: ${details.get(`${name} ${number}`) ?? '(no failure text)'}`);
        });
      }
      const expected = new Map(
        DIFFER_ON_PURPOSE.filter((d) => d.modes.includes(mode)).map((d) => [
          `${d.notebook} cell ${d.index}`,
          'nbval failed, nbtest passed',
        ]),
      );
      assert.deepEqual(differ, expected, `nbval said:\n${said.join('\n---\n')}`);
    });
  }
});

type Mode = 'strict' | 'lax';
type Verdict = 'passed' | 'failed' | 'skipped';

/** The runner's command line on one fixture notebook, with `python` as its Jupyter side. */
function runCli(
  python: string,
  notebook: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; output: string }> {
  const cli = path.join(ROOT, 'nbtest', 'cli.ts');
  return spawnText(process.execPath, ['--import', 'tsx', cli, '--python', python, path.join(NOTEBOOKS, notebook)], env);
}

function spawnText(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Per `notebook-file-name codeCellNumber` (nbval numbers code cells only), what pytest --nbval said. */
async function runNbval(
  mode: Mode,
  notebooks: string[],
  sanitizer: string,
  env: NodeJS.ProcessEnv,
): Promise<{ verdicts: Map<string, Verdict>; details: Map<string, string> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-nbval-'));
  try {
    const junit = path.join(dir, 'junit.xml');
    const { status, output } = await spawnText(
      PYTHON,
      [
        '-m',
        'pytest',
        '-p',
        'no:cacheprovider',
        '-q',
        '--color=no',
        mode === 'lax' ? '--nbval-lax' : '--nbval',
        '--nbval-sanitize-with',
        sanitizer,
        `--junitxml=${junit}`,
        ...notebooks,
      ],
      env,
    );
    // pytest: 0 all passed, 1 some failed; anything else (no nbval, a usage error) is not a verdict.
    assert.ok(status === 0 || status === 1, `Expected pytest --nbval to run (exit 0 or 1), got ${status}:\n${output}`);
    const verdicts = new Map<string, Verdict>();
    // What nbval said of each failed cell, so that an unexpected verdict explains itself.
    const details = new Map<string, string>();
    const xml = fs.readFileSync(junit, 'utf8');
    for (const m of xml.matchAll(
      /<testcase classname="([^"]*)" name="Cell (\d+)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g,
    )) {
      const file = m[1]!.split('.').slice(-2).join('.');
      const body = m[4] ?? '';
      verdicts.set(
        `${file} ${m[2]}`,
        /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed',
      );
      if (/<(failure|error)\b/.test(body))
        details.set(`${file} ${m[2]}`, body.replace(/<(failure|error)\b[^>]*>/, '').slice(0, 1500));
    }
    return { verdicts, details };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("on Deno's kernel", () => {
  test("a cell's outputs published after its idle are still its own, and none goes to the next cell", async () => {
    const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-deno-'));
    try {
      const run = await executeNotebook(path.join(NOTEBOOKS, 'late-outputs-deno.ipynb'), {
        python: PYTHON,
        timeoutSeconds: 60,
        skip: [],
        env: { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir },
      });
      const text = (index: number) =>
        (run.cells.get(index)?.outputs ?? []).map((o) => [o.text ?? ''].flat().join('')).join('');
      // Without the runner's wait after idle, about 60 of the 300 lines reached the first cell
      // and a few the second.
      assert.equal(text(1).split('\n').filter(Boolean).length, 300);
      assert.equal(text(2), 'next cell\n');
    } finally {
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});
