/**
 * Notebook tests, nbval-style, on the project's tslab kernel.
 *
 *   npm run test:notebooks -- [options] [paths…]     (default path: notebooks/)
 *
 * Options:
 *   --lax                 compare only cells tagged nbval-check-output (nbval's --nbval-lax)
 *   --sanitize-with FILE  nbval sanitizer file; default: nbval-sanitize.cfg beside each notebook
 *   --timeout SECONDS     per-cell limit (default 300)
 *   --full                the notebook's full budget: NBTEST_CI is not set
 *   --kernel NAME         Jupyter kernel (default tslab)
 *
 * CI mode is the default: the kernel gets NBTEST_CI=1, and the notebook trains on a small
 * budget; the stored outputs come from a full run and the sanitizer hides the numbers.
 * Exits 1 when any cell fails. See scripts/nbtest/run.ts for the tags.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatFailure } from './nbtest/report';
import { testNotebook, type NotebookResult } from './nbtest/run';
import { readSanitizeConfig, type SanitizeRule } from './nbtest/sanitize';

const ROOT = path.join(__dirname, '..');
const SANITIZE_FILE = 'nbval-sanitize.cfg';

interface Cli {
  lax: boolean;
  sanitizeWith?: string;
  timeoutSeconds: number;
  full: boolean;
  kernel: string;
  paths: string[];
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { lax: false, timeoutSeconds: 300, full: false, kernel: 'tslab', paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`Expected a value after \`${arg}\`, got none`);
      return v;
    };
    if (arg === '--lax' || arg === '--nbval-lax') cli.lax = true;
    else if (arg === '--full') cli.full = true;
    else if (arg === '--sanitize-with') cli.sanitizeWith = value();
    else if (arg === '--kernel') cli.kernel = value();
    else if (arg === '--timeout') {
      const v = value();
      cli.timeoutSeconds = Number(v);
      if (!(cli.timeoutSeconds > 0)) throw new Error(`Expected \`--timeout\` to be a positive number of seconds, got ${v}`);
    } else if (arg.startsWith('--')) throw new Error(`Expected an option of scripts/nbtest.ts, got \`${arg}\``);
    else cli.paths.push(arg);
  }
  if (cli.paths.length === 0) cli.paths.push(path.join(ROOT, 'notebooks'));
  return cli;
}

/** The notebooks under each path (a file, or a folder searched recursively), sorted. */
export function findNotebooks(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    if (!fs.existsSync(p)) throw new Error(`Expected \`${p}\` to be a notebook or a folder, got nothing there`);
    if (fs.statSync(p).isFile()) { found.push(p); return; }
    for (const name of fs.readdirSync(p).sort()) {
      if (name === '.ipynb_checkpoints' || name === 'node_modules') continue;
      const child = path.join(p, name);
      if (fs.statSync(child).isDirectory()) walk(child);
      else if (name.endsWith('.ipynb')) found.push(child);
    }
  };
  paths.forEach(walk);
  return found;
}

function rulesFor(notebook: string, cli: Cli): SanitizeRule[] {
  if (cli.sanitizeWith) return readSanitizeConfig(cli.sanitizeWith);
  const beside = path.join(path.dirname(notebook), SANITIZE_FILE);
  return fs.existsSync(beside) ? readSanitizeConfig(beside) : [];
}

async function main(): Promise<number> {
  const cli = parseArgs(process.argv.slice(2));
  const python = path.join(ROOT, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`Expected the Jupyter environment at ${python}, got none; run \`npm run setup\``);
  const notebooks = findNotebooks(cli.paths);
  if (notebooks.length === 0) throw new Error(`Expected notebooks under ${cli.paths.join(', ')}, found none`);

  // Kernel connection files go to a folder of our own, not to the home directory.
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbtest-'));
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_RUNTIME_DIR: runtimeDir };
  if (cli.full) delete env['NBTEST_CI'];
  else env['NBTEST_CI'] ??= '1';
  const mode = `${cli.lax ? 'lax' : 'strict'}, ${env['NBTEST_CI'] ? `NBTEST_CI=${env['NBTEST_CI']}` : 'full budget'}`;

  const results: NotebookResult[] = [];
  try {
    for (const notebook of notebooks) {
      const shown = path.relative(process.cwd(), notebook) || notebook;
      console.log(`nbtest: ${shown} (${mode})`);
      const result = await testNotebook(shown, { python, kernel: cli.kernel, timeoutSeconds: cli.timeoutSeconds,
        lax: cli.lax, rules: rulesFor(notebook, cli), env });
      results.push(result);
      result.failures.forEach((f) => console.log(formatFailure(f)));
      const verdict = result.failures.length === 0 ? 'ok' : `FAILED (${result.failures.length} cell(s))`;
      console.log(`nbtest: ${shown}: ${verdict}; ${result.passed} cell(s) passed, ${result.compared} compared, ` +
        `${result.skipped} skipped, ${result.seconds.toFixed(1)} s`);
    }
  } finally {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
  return results.some((r) => r.failures.length > 0) ? 1 : 0;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (e: Error) => {
    console.error(`nbtest: ${e.message}`);
    process.exitCode = 2;
  });
}
