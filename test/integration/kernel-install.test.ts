// `npm run kernel:install` / `kernel:uninstall` (scripts/kernel-spec.ts): the project's kernel in
// a Jupyter other than .venv's own, found by real `jupyter kernelspec list` and started by
// jupyter_client. Every install goes to a temporary folder (JUPYTER_DATA_DIR, --prefix).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kernelCommand } from '../../scripts/kernel-spec';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-install-'));
const DATA_DIR = path.join(TMP, 'data');
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  JUPYTER_DATA_DIR: DATA_DIR,
  JUPYTER_RUNTIME_DIR: path.join(TMP, 'runtime'),
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function kernelScript(args: string[], env: NodeJS.ProcessEnv = ENV): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'kernel-spec.ts'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process (no tsx start-up): what it printed, or its error's message. */
function kernelCall(args: string[], env: NodeJS.ProcessEnv = ENV): Run {
  const lines: string[] = [];
  try {
    kernelCommand(args, (line) => lines.push(line), env);
    return { status: 0, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
  } catch (e) {
    return { status: 1, stdout: lines.join('\n'), stderr: `kernel: ${(e as Error).message}` };
  }
}

/** `jupyter kernelspec list --json`: kernel name -> its folder. */
function listed(env: NodeJS.ProcessEnv = ENV): Record<string, string> {
  const r = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const specs = (JSON.parse(r.stdout) as { kernelspecs: Record<string, { resource_dir: string }> }).kernelspecs;
  return Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, s.resource_dir]));
}

/** Runs one cell in the installed kernel `name`, from notebooks/ as JupyterLab would: what it printed. */
function runInKernel(name: string, cell: string): string {
  const ran = spawnSync(PYTHON, [path.join(ROOT, 'test', 'integration', 'kernel_run.py'), name, cell], {
    cwd: path.join(ROOT, 'notebooks'),
    env: ENV,
    encoding: 'utf8',
    timeout: 200_000,
  });
  assert.equal(ran.status, 0, ran.stderr);
  return ran.stdout.trim();
}

after(() => fs.rmSync(TMP, { recursive: true, force: true }));

describe('npm run kernel:install', () => {
  test(
    'installs rnn-mnist for the user (JUPYTER_DATA_DIR), runs a cell importing ../lib/model on this Node, and uninstalls',
    { timeout: 240_000 },
    () => {
      const dir = path.join(DATA_DIR, 'kernels', 'rnn-mnist');
      const installed = kernelScript(['install']);
      assert.equal(installed.status, 0, installed.stderr);
      assert.match(installed.stdout, new RegExp(`installed rnn-mnist \\("TypeScript \\(rnn-mnist\\)"\\) in ${dir}`));
      assert.match(installed.stdout, /pick "TypeScript \(rnn-mnist\)"/);
      assert.match(installed.stdout, /remove it with `npm run kernel:uninstall`/);
      assert.equal(listed()['rnn-mnist'], dir);
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as {
        argv: string[];
        env: Record<string, string>;
      };
      assert.equal(spec.argv[0], process.execPath);
      assert.deepEqual(spec.env, {
        TF_NUM_INTRAOP_THREADS: '1',
        TF_CPP_MIN_LOG_LEVEL: '2',
        ...(process.arch === 'x64' ? { TF_ENABLE_ONEDNN_OPTS: '1' } : {}),
      });

      // Started as Jupyter starts it for a notebook in notebooks/: that folder is the kernel's cwd.
      const cell =
        "import { createModel } from '../lib/model';\n" +
        'console.log(typeof createModel, process.version, process.execPath, process.env.TF_NUM_INTRAOP_THREADS);';
      assert.equal(runInKernel('rnn-mnist', cell), `function ${process.version} ${process.execPath} 1`);

      const removed = kernelScript(['uninstall']);
      assert.equal(removed.status, 0, removed.stderr);
      assert.equal(fs.existsSync(dir), false);
      assert.equal(listed()['rnn-mnist'], undefined);
    },
  );

  test(
    "--deno installs Deno's kernel as rnn-mnist-deno, which runs a cell importing ../lib/model, and uninstalls it",
    { timeout: 240_000 },
    () => {
      const dir = path.join(DATA_DIR, 'kernels', 'rnn-mnist-deno');
      const installed = kernelCall(['install', '--deno']);
      assert.equal(installed.status, 0, installed.stderr);
      assert.match(installed.stdout, /installed rnn-mnist-deno \("TypeScript \(Deno, rnn-mnist\)"\)/);
      assert.match(installed.stdout, /remove it with `npm run kernel:uninstall -- --deno`/);
      assert.equal(listed()['rnn-mnist-deno'], dir);
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as { argv: string[] };
      assert.deepEqual(spec.argv, [
        path.join(ROOT, 'node_modules', 'deno', 'deno'),
        'jupyter',
        '--kernel',
        '--conn',
        '{connection_file}',
      ]);
      const cell = "import { createModel } from '../lib/model';\nconsole.log(typeof createModel, typeof Deno.jupyter);";
      assert.equal(runInKernel('rnn-mnist-deno', cell), 'function object');
      assert.equal(kernelCall(['uninstall', '--deno']).status, 0);
      assert.equal(fs.existsSync(dir), false);
    },
  );

  test('--prefix DIR: Jupyter lists it with JUPYTER_PATH=DIR/share/jupyter; uninstall takes the same option', () => {
    const prefix = path.join(TMP, 'prefix');
    const installed = kernelCall([
      'install',
      '--prefix',
      prefix,
      '--name',
      'rnn-mnist-p',
      '--display-name',
      'RNN (prefix)',
    ]);
    assert.equal(installed.status, 0, installed.stderr);
    assert.match(installed.stdout, new RegExp(`or with JUPYTER_PATH=${prefix}/share/jupyter`));
    assert.match(installed.stdout, new RegExp(`npm run kernel:uninstall -- --prefix ${prefix} --name rnn-mnist-p`));
    const env = { ...ENV, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
    assert.equal(listed(env)['rnn-mnist-p'], path.join(prefix, 'share', 'jupyter', 'kernels', 'rnn-mnist-p'));
    assert.equal(listed()['rnn-mnist-p'], undefined, 'without JUPYTER_PATH Jupyter should not see a --prefix install');
    assert.equal(kernelCall(['uninstall', '--prefix', prefix, '--name', 'rnn-mnist-p']).status, 0);
    assert.equal(listed(env)['rnn-mnist-p'], undefined);
  });

  test('--sys-prefix --python PY: into that Python environment, which Jupyter there lists without JUPYTER_PATH', () => {
    const name = `rnn-mnist-test-${process.pid}`;
    const installed = kernelCall(['install', '--sys-prefix', '--python', PYTHON, '--name', name]);
    assert.equal(installed.status, 0, installed.stderr);
    try {
      assert.equal(listed()[name], path.join(ROOT, '.venv', 'share', 'jupyter', 'kernels', name));
    } finally {
      assert.equal(kernelCall(['uninstall', '--sys-prefix', '--python', PYTHON, '--name', name]).status, 0);
    }
  });

  test('leaves a kernel it did not write alone (a global tslab), unless --replace', () => {
    const dir = path.join(DATA_DIR, 'kernels', 'tslab');
    fs.mkdirSync(dir, { recursive: true });
    const foreign = JSON.stringify({
      argv: ['tslab', 'kernel', '--config-path', '{connection_file}'],
      display_name: 'TypeScript',
      language: 'typescript',
    });
    fs.writeFileSync(path.join(dir, 'kernel.json'), foreign);

    const refused = kernelCall(['install', '--name', 'tslab']);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /^kernel: Expected no other kernel at .*kernels\/tslab, found one this project did not write; choose another `--name`, or add `--replace`/,
    );
    const kept = kernelCall(['uninstall', '--name', 'tslab']);
    assert.equal(kept.status, 1);
    assert.match(kept.stderr, /Expected .*kernels\/tslab to be this project's kernel/);
    assert.equal(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8'), foreign);

    assert.equal(kernelCall(['install', '--name', 'tslab', '--replace', '--quiet']).stdout, '');
    assert.equal(
      (JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as { argv: string[] }).argv[0],
      process.execPath,
    );
    assert.equal(kernelCall(['uninstall', '--name', 'tslab']).status, 0);
  });

  test('bad options are named', () => {
    const both = kernelCall(['install', '--user', '--prefix', TMP]);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /Expected at most one of --user, --prefix, --sys-prefix, got --user and --prefix/);
    assert.match(kernelCall(['install', '--name', 'a/b']).stderr, /Expected `--name` to be letters, digits/);
    assert.match(kernelCall(['remove']).stderr, /Expected `install` or `uninstall`/);
    assert.match(
      kernelCall(['uninstall', '--name', 'nothing-here']).stderr,
      /Expected a kernel spec at .*nothing-here, found none/,
    );
  });
});
