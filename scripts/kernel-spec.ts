/**
 * The project's Jupyter kernel specs, written in one place: set-up registers them inside .venv
 * (kernel `tslab`, the name the notebooks' metadata uses, and `deno`, Deno's own kernel), and
 * `npm run kernel:install` puts one in the user's own Jupyter, the way `python -m ipykernel
 * install` does.
 *
 *   npm run kernel:install   -- [--deno] [--user | --prefix DIR | --sys-prefix [--python PY]]
 *                               [--name NAME] [--display-name TEXT] [--replace]
 *   npm run kernel:uninstall -- [--deno] [--user | --prefix DIR | --sys-prefix [--python PY]] [--name NAME]
 *
 * Where: `--user` (the default) is Jupyter's per-user data folder (`JUPYTER_DATA_DIR` when set,
 * else e.g. ~/.local/share/jupyter), found with jupyter_core's own rule; `--prefix DIR` is
 * DIR/share/jupyter; `--sys-prefix` is the prefix of the Python environment of PY (default:
 * `python3` on PATH, e.g. the venv or conda env that holds your JupyterLab).
 * The default name is `rnn-mnist`, shown as "TypeScript (rnn-mnist)" (with `--deno`:
 * `rnn-mnist-deno`, "TypeScript (Deno, rnn-mnist)"), so that a kernel installed globally
 * (`tslab install`, `deno jupyter --install`) is never overwritten: installing over a kernel spec
 * that this project did not write needs `--replace`.
 *
 * Written here, not with `jupyter kernelspec install`: that replaces any kernel of the name
 * (jupyter_client 8.10 ignores its `--replace`), so the check above needs the place worked out
 * here anyway, and `jupyter kernelspec uninstall` removes the first of the name on Jupyter's
 * path, not the one at `--prefix`; tried, the swap added 15 lines and 0.3 s of Python a kernel.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';

const ROOT = path.resolve(__dirname, '..');
const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
export const DEFAULT_NAME = 'rnn-mnist';
export const DEFAULT_DENO_NAME = 'rnn-mnist-deno';

/** What Jupyter reads from `kernels/<name>/kernel.json`. */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
  interrupt_mode?: 'signal' | 'message';
}

/** This project's tslab: its JavaScript entry, run by `node` itself (no shebang, no PATH). */
export function tslabEntry(root: string = ROOT): string {
  const pkgFile = path.join(root, 'node_modules', 'tslab', 'package.json');
  if (!fs.existsSync(pkgFile))
    throw new Error(`Expected tslab installed at ${path.dirname(pkgFile)}, got nothing there; run \`npm run setup\``);
  const bin = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin?: Record<string, string> }).bin?.['tslab'];
  if (!bin) throw new Error(`Expected ${pkgFile} to name a \`tslab\` bin, got none`);
  return path.join(path.dirname(pkgFile), bin);
}

/**
 * The kernel spec. `node` is the absolute path of the Node that set the project up (by default
 * the one running this script), so the kernel runs on it whatever PATH starts JupyterLab.
 */
export function kernelSpec(displayName: string, node: string = process.execPath, root: string = ROOT): KernelSpec {
  if (!path.isAbsolute(node)) throw new Error(`Expected \`node\` to be an absolute path, got ${node}`);
  return {
    argv: [node, tslabEntry(root), 'kernel', '--config-path', '{connection_file}'],
    display_name: displayName,
    language: 'typescript',
    env: tensorflowEnv(),
  };
}

/**
 * One intra-op thread: the RNN's ops are too small to split (a training step is slower with two).
 * Inter-op threads stay at TensorFlow's default, one per core: they run the shards of each batch
 * side by side (`shards` in lib/model/model.ts).
 */
function tensorflowEnv(): Record<string, string> {
  return { TF_NUM_INTRAOP_THREADS: '1', TF_CPP_MIN_LOG_LEVEL: '2', ...oneDnn(process.arch) };
}

/**
 * This project's Deno: the binary of the npm package `deno` (its platform package's, linked into
 * node_modules/deno/ by the package's own install code).
 */
export function denoExecutable(root: string = ROOT): string {
  const api = path.join(root, 'node_modules', 'deno', 'install_api.cjs');
  if (!fs.existsSync(api))
    throw new Error(`Expected the npm package deno at ${path.dirname(api)}, got nothing there; run \`npm run setup\``);
  // The package's own CommonJS API, which picks the platform's binary (glibc or musl, arch).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(api) as { runInstall(): string }).runInstall();
}

/**
 * Deno's own kernel (`deno jupyter --kernel`) as this project runs it: this project's Deno, the
 * same TensorFlow settings as the tslab kernel, and no colour codes in its results' text/plain.
 * Interrupts stay signals: Deno's message-mode interrupt hangs a cell that awaits (measured), and
 * lib/kernel/interrupt.ts keeps a SIGINT listener in place from the first cell on.
 */
export function denoKernelSpec(displayName: string, deno: string = denoExecutable()): KernelSpec {
  return {
    argv: [deno, 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: displayName,
    language: 'typescript',
    env: { ...tensorflowEnv(), NO_COLOR: '1' },
  };
}

/**
 * On x64, TensorFlow's oneDNN kernels: TensorFlow turns them on by itself only on CPUs with
 * AVX-512 or AMX, but on this model's small matMuls they beat its Eigen kernels on AVX2 too: an
 * epoch of MNIST through `train` took 4.1 to 4.7 ms a step with Eigen against 2.9 to 3.3 ms with
 * oneDNN on an AMD EPYC (AVX2), two runs each. Elsewhere TensorFlow's own choice stays.
 */
function oneDnn(arch: string): Record<string, string> {
  return arch === 'x64' ? { TF_ENABLE_ONEDNN_OPTS: '1' } : {};
}

/** Whether `dir` holds a kernel spec that runs this project's tslab or Deno (so replacing it is ours to do). */
export function isOurs(dir: string, root: string = ROOT): boolean {
  try {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8')) as Partial<KernelSpec>;
    const deno = path.join(root, 'node_modules', 'deno', 'deno');
    return spec.argv?.[1] === tslabEntry(root) || (spec.argv?.[0] === deno && spec.argv[1] === 'jupyter');
  } catch {
    return false;
  }
}

/** Writes `spec` to `<dataDir>/kernels/<name>/kernel.json` (atomically); returns the kernel's folder. */
export function writeKernelSpec(dataDir: string, name: string, spec: KernelSpec): string {
  checkName(name);
  const dir = path.join(dataDir, 'kernels', name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  fs.writeFileSync(`${file}.partial`, JSON.stringify(spec, null, 2) + '\n');
  fs.renameSync(`${file}.partial`, file);
  return dir;
}

function checkName(name: string): void {
  if (!/^[a-z0-9._-]+$/i.test(name) || /^\.+$/.test(name)) {
    throw new Error(
      `Expected \`--name\` to be letters, digits, '.', '_' or '-' (Jupyter's kernel names), got ${JSON.stringify(name)}`,
    );
  }
}

interface Location {
  dataDir: string;
  flag: string;
  jupyterSeesIt: boolean;
}

function pythonSays(python: string, code: string, env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(python, ['-c', code], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(`Expected \`${python} -c "${code}"\` to run, got ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
}

function resolveLocation(
  opts: { user?: boolean; prefix?: string; 'sys-prefix'?: boolean; python?: string },
  env: NodeJS.ProcessEnv,
): Location {
  const chosen = [
    opts.user && '--user',
    opts.prefix !== undefined && '--prefix',
    opts['sys-prefix'] && '--sys-prefix',
  ].filter(Boolean);
  if (chosen.length > 1)
    throw new Error(`Expected at most one of --user, --prefix, --sys-prefix, got ${chosen.join(' and ')}`);
  if (opts.python !== undefined && !opts['sys-prefix'])
    throw new Error('Expected `--python` only with `--sys-prefix`, got it without');
  if (opts.prefix !== undefined) {
    const prefix = path.resolve(opts.prefix);
    return { dataDir: path.join(prefix, 'share', 'jupyter'), flag: `--prefix ${prefix}`, jupyterSeesIt: false };
  }
  if (opts['sys-prefix']) {
    const python = opts.python ?? 'python3';
    const prefix = pythonSays(python, 'import sys; print(sys.prefix)', env);
    return {
      dataDir: path.join(prefix, 'share', 'jupyter'),
      flag: `--sys-prefix${opts.python ? ` --python ${python}` : ''}`,
      jupyterSeesIt: true,
    };
  }
  if (!fs.existsSync(VENV_PYTHON))
    throw new Error(`Expected the Jupyter environment at ${VENV_PYTHON}, got none; run \`npm run setup\``);
  // jupyter_core's own rule for the per-user folder: JUPYTER_DATA_DIR, else the platform's.
  const dataDir = pythonSays(
    VENV_PYTHON,
    'from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())',
    env,
  );
  return { dataDir, flag: '--user', jupyterSeesIt: true };
}

/**
 * The command line: `install` or `uninstall`, then options (above). Prints through `log`;
 * throws on a bad option or a kernel it must not touch. `env` is where JUPYTER_DATA_DIR is read.
 */
export function kernelCommand(
  argv: string[],
  log: (line: string) => void = console.log,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'boolean' },
      prefix: { type: 'string' },
      'sys-prefix': { type: 'boolean' },
      python: { type: 'string' },
      name: { type: 'string' },
      'display-name': { type: 'string' },
      replace: { type: 'boolean', default: false },
      deno: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const [command, ...extra] = positionals;
  if ((command !== 'install' && command !== 'uninstall') || extra.length > 0) {
    throw new Error(
      `Expected \`install\` or \`uninstall\` (then options), got ${JSON.stringify(positionals.join(' '))}`,
    );
  }
  const defaultName = values.deno ? DEFAULT_DENO_NAME : DEFAULT_NAME;
  const name = values.name ?? defaultName;
  checkName(name);
  const where = resolveLocation(values, env);
  const dir = path.join(where.dataDir, 'kernels', name);
  const say = (line: string): void => {
    if (!values.quiet) log(`kernel: ${line}`);
  };
  const again = [
    values.deno ? '--deno' : '',
    where.flag === '--user' ? '' : where.flag,
    name === defaultName ? '' : `--name ${name}`,
  ].filter(Boolean);
  const uninstallCommand = ['npm run kernel:uninstall', ...(again.length > 0 ? ['--', ...again] : [])].join(' ');

  if (command === 'uninstall') {
    if (!fs.existsSync(path.join(dir, 'kernel.json'))) throw new Error(`Expected a kernel spec at ${dir}, found none`);
    if (!isOurs(dir))
      throw new Error(
        `Expected ${dir} to be this project's kernel (argv[1] ${tslabEntry()}), got another one; leaving it`,
      );
    fs.rmSync(dir, { recursive: true });
    say(`removed ${name} from ${dir}`);
    return;
  }

  if (fs.existsSync(path.join(dir, 'kernel.json')) && !isOurs(dir) && !values.replace) {
    throw new Error(
      `Expected no other kernel at ${dir}, found one this project did not write; choose another \`--name\`, or add \`--replace\``,
    );
  }
  const displayName =
    values['display-name'] ??
    (values.deno ? `TypeScript (Deno, ${name === DEFAULT_DENO_NAME ? 'rnn-mnist' : name})` : `TypeScript (${name})`);
  const spec = values.deno ? denoKernelSpec(displayName) : kernelSpec(displayName);
  writeKernelSpec(where.dataDir, name, spec);
  say(`installed ${name} ("${displayName}") in ${dir}`);
  if (values.deno) say(`it runs this project's Deno (${spec.argv[0]}), its own Jupyter kernel`);
  else say(`it runs Node ${process.version} (${process.execPath}) with this project's tslab (${tslabEntry()})`);
  if (!where.jupyterSeesIt) {
    say(
      `Jupyter finds it where ${path.dirname(path.dirname(where.dataDir))} is its environment's prefix, or with JUPYTER_PATH=${where.dataDir}`,
    );
  }
  say(
    `pick "${displayName}" in JupyterLab (Launcher, or Kernel > Change Kernel…) or in VS Code (Select Kernel > Jupyter Kernel…); open notebooks from ${path.join(ROOT, 'notebooks')}`,
  );
  say(`remove it with \`${uninstallCommand}\``);
}

if (require.main === module) {
  try {
    kernelCommand(process.argv.slice(2));
  } catch (e) {
    console.error(`kernel: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
