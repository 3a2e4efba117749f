/**
 * nbtest: notebook tests in the manner of nbval, on any Jupyter kernel (README.md here).
 *
 *   node --import tsx nbtest/cli.ts [options] [paths…]
 *
 * Exits 0 when every cell passed, 1 when a cell failed or a notebook could not be run,
 * 2 on a bad command line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatFailure } from './report';
import { testNotebook } from './run';
import { readSanitizeConfig, type SanitizeRule } from './sanitize';

const SANITIZE_FILE = 'nbval-sanitize.cfg';

export const USAGE = `Usage: nbtest [options] [paths…]
Runs each notebook (a file, or every .ipynb under a folder) in a fresh Jupyter kernel and
compares each code cell's outputs with the stored ones, as nbval does.

Options:
  --lax                 compare only cells tagged nbval-check-output or nbtest-check-output
                        (nbval's --nbval-lax; --nbval-lax is accepted too)
  --sanitize-with FILE  nbval sanitizer file (default: ${SANITIZE_FILE} beside each notebook, if any;
                        --nbval-sanitize-with is accepted too)
  --python PATH         the Python with nbclient that drives the kernel (default: python3)
  --kernel NAME         Jupyter kernel (default: the one each notebook names in its kernelspec);
                        repeat it to run every notebook on each kernel named
  --timeout SECONDS     per-cell limit (default: 300)
  --default-path PATH   what to test when no path is given (repeatable; default: .)
  --help                this text`;

export interface Cli {
  lax: boolean;
  sanitizeWith?: string;
  python: string;
  /** Each notebook runs on each of these; absent, on the kernel its kernelspec names. */
  kernels?: string[];
  timeoutSeconds: number;
  paths: string[];
  help: boolean;
}

/** The command line, checked; throws an Error naming the option on a bad one. */
export function parseCli(argv: string[]): Cli {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        lax: { type: 'boolean' },
        'nbval-lax': { type: 'boolean' },
        'sanitize-with': { type: 'string' },
        'nbval-sanitize-with': { type: 'string' },
        python: { type: 'string' },
        kernel: { type: 'string', multiple: true },
        timeout: { type: 'string' },
        'default-path': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new Error(`${(e as Error).message} (see --help)`, { cause: e });
  }
  const { values, positionals } = parsed;
  const timeout = values.timeout ?? '300';
  const timeoutSeconds = Number(timeout);
  if (!(timeoutSeconds > 0))
    throw new Error(`Expected \`--timeout\` to be a positive number of seconds, got ${timeout}`);
  if (values['sanitize-with'] !== undefined && values['nbval-sanitize-with'] !== undefined) {
    throw new Error('Expected one of `--sanitize-with` and `--nbval-sanitize-with`, got both');
  }
  const sanitizeWith = values['sanitize-with'] ?? values['nbval-sanitize-with'];
  const kernels = values.kernel;
  if (kernels?.includes('')) throw new Error('Expected `--kernel` to name a Jupyter kernel, got an empty string');
  return {
    lax: Boolean(values.lax || values['nbval-lax']),
    ...(sanitizeWith !== undefined && { sanitizeWith }),
    python: values.python ?? 'python3',
    ...(kernels !== undefined && { kernels }),
    timeoutSeconds,
    paths: positionals.length > 0 ? positionals : (values['default-path'] ?? ['.']),
    help: Boolean(values.help),
  };
}

/** The notebooks under each path (a file, or a folder searched recursively), sorted. */
export function findNotebooks(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    if (!fs.existsSync(p)) throw new Error(`Expected \`${p}\` to be a notebook or a folder, got nothing there`);
    if (fs.statSync(p).isFile()) {
      found.push(p);
      return;
    }
    for (const name of fs.readdirSync(p).sort()) {
      // Hidden folders (.ipynb_checkpoints, .venv, .git) and node_modules hold no notebooks under test.
      if (name.startsWith('.') || name === 'node_modules') continue;
      const child = path.join(p, name);
      if (fs.statSync(child).isDirectory()) walk(child);
      else if (name.endsWith('.ipynb')) found.push(child);
    }
  };
  paths.forEach(walk);
  return found;
}

function rulesFor(notebook: string, cli: Cli): SanitizeRule[] {
  if (cli.sanitizeWith !== undefined) return readSanitizeConfig(cli.sanitizeWith);
  const beside = path.join(path.dirname(notebook), SANITIZE_FILE);
  return fs.existsSync(beside) ? readSanitizeConfig(beside) : [];
}

/** Runs the notebooks the command line names; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(argv);
  } catch (e) {
    console.error(`nbtest: ${(e as Error).message}`);
    return 2;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  const notebooks = findNotebooks(cli.paths);
  if (notebooks.length === 0) throw new Error(`Expected notebooks under ${cli.paths.join(', ')}, found none`);

  // Kernel connection files go to a folder of our own, not to the home directory.
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-'));
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir };
  let failed = false;
  try {
    for (const [kernel, notebook] of (cli.kernels ?? [undefined]).flatMap((k) =>
      notebooks.map((n) => [k, n] as const),
    )) {
      const shown = path.relative(process.cwd(), notebook) || notebook;
      const on = kernel === undefined ? '' : ` on ${kernel}`;
      console.log(`nbtest: ${shown} (${cli.lax ? 'lax' : 'strict'}, kernel ${kernel ?? 'from the notebook'})`);
      try {
        const result = await testNotebook(shown, {
          python: cli.python,
          kernel,
          timeoutSeconds: cli.timeoutSeconds,
          lax: cli.lax,
          rules: rulesFor(notebook, cli),
          env,
        });
        result.failures.forEach((f) => console.log(formatFailure(f)));
        const verdict = result.failures.length === 0 ? 'ok' : `FAILED (${result.failures.length} cell(s))`;
        console.log(
          `nbtest: ${shown}${on}: ${verdict}; ${result.passed} cell(s) passed, ${result.compared} compared, ` +
            `${result.skipped} skipped, ${result.seconds.toFixed(1)} s`,
        );
        failed ||= result.failures.length > 0;
      } catch (e) {
        // One notebook that cannot be run (a bad sanitizer file, a broken driver) does not stop the others.
        console.log(`FAIL ${shown}${on}: ${(e as Error).message}`);
        failed = true;
      }
    }
  } finally {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      console.error(`nbtest: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
