/**
 * Tests one notebook the way nbval does: run every code cell in a fresh kernel, then
 * compare each cell's fresh outputs with the stored ones, cell tags deciding which.
 *
 * Tags (cell metadata `tags`, nbval's names):
 * - `nbval-skip`: not run at all;
 * - `nbval-ignore-output`: run, must not fail, outputs not compared;
 * - `nbval-check-output`: outputs compared even in lax mode;
 * - `raises-exception`: must fail; its error is compared like any output;
 * - `nbtest-check-output` (this runner's own): outputs compared, in strict and lax mode,
 *   whatever the nbval tags say. For a cell whose outputs only this runner can compare
 *   (display updates: nbval sees only each display's first state), tagged together with
 *   `nbval-ignore-output` so that nbval passes it.
 * Lax mode (nbval's --nbval-lax) compares only cells tagged nbval-check-output or nbtest-check-output.
 */
import * as fs from 'fs';
import { executeNotebook, type CellRun, type NotebookRun } from './kernel';
import { compareItems, joinText, toItems, type Output } from './outputs';
import type { CellFailure } from './report';
import type { SanitizeRule } from './sanitize';

export const TAG = {
  skip: 'nbval-skip',
  ignoreOutput: 'nbval-ignore-output',
  checkOutput: 'nbval-check-output',
  raisesException: 'raises-exception',
  nbtestCheckOutput: 'nbtest-check-output',
} as const;

interface StoredCell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: Output[];
}

export interface TestOptions {
  /** A Python with nbclient. */
  python: string;
  /** The Jupyter kernel; when absent, the one the notebook's kernelspec names. */
  kernel?: string;
  timeoutSeconds: number;
  lax: boolean;
  rules: readonly SanitizeRule[];
  env: NodeJS.ProcessEnv;
  onCell?: (cell: CellRun) => void;
}

export interface NotebookResult {
  notebook: string;
  failures: CellFailure[];
  /** Code cells run and found as expected; skipped cells are not counted. */
  passed: number;
  compared: number;
  skipped: number;
  seconds: number;
  /** What the kernel did, cell by cell. */
  run: NotebookRun;
}

export function readCells(notebook: string): StoredCell[] {
  let parsed: { cells?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells?: unknown };
  } catch (e) {
    throw new Error(`Expected ${notebook} to be a notebook (JSON), got ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(parsed.cells))
    throw new Error(`Expected ${notebook} to have a \`cells\` array, got ${typeof parsed.cells}`);
  return parsed.cells as StoredCell[];
}

export async function testNotebook(notebook: string, opts: TestOptions): Promise<NotebookResult> {
  const started = Date.now();
  const cells = readCells(notebook);
  const tagsOf = (cell: StoredCell): string[] => cell.metadata?.tags ?? [];
  const codeCells = cells
    .map((cell, index) => ({ cell, index, source: joinText(cell.source) }))
    .filter(({ cell, source }) => cell.cell_type === 'code' && source.trim() !== '');
  const skip = codeCells.filter(({ cell }) => tagsOf(cell).includes(TAG.skip)).map(({ index }) => index);

  const run = await executeNotebook(notebook, { ...opts, skip });
  const result: NotebookResult = {
    notebook,
    failures: [],
    passed: 0,
    compared: 0,
    skipped: skip.length,
    seconds: 0,
    run,
  };
  for (const { cell, index, source } of codeCells) {
    if (skip.includes(index)) continue;
    const tags = tagsOf(cell);
    const fail = (reason: string, extra: Partial<CellFailure> = {}): void => {
      result.failures.push({ notebook, index, firstLine: firstLine(source), reason, mismatches: [], ...extra });
    };
    const got = run.cells.get(index);
    if (!got) {
      const why =
        run.cells.size === 0 && run.stderr.trim()
          ? `:\n${lastLines(run.stderr, 20)}`
          : ' (an earlier cell timed out or the kernel died)';
      fail(`not run${why}`);
      continue;
    }
    const errorText = got.error
      ? errorSummary(got.error.traceback, `${got.error.ename}: ${got.error.evalue}`)
      : undefined;
    if (got.status === 'timeout') {
      fail(`timed out after ${opts.timeoutSeconds} s (per-cell limit, --timeout)`);
      continue;
    }
    if (got.status === 'dead') {
      fail('the kernel died while running this cell', { errorText: lastLines(run.stderr, 20) });
      continue;
    }
    if (got.status === 'abort') {
      fail('the kernel aborted this cell (execute_reply status abort)');
      continue;
    }
    const raises = tags.includes(TAG.raisesException);
    if (got.status === 'error' && !raises) {
      fail('the cell raised an error', { errorText });
      continue;
    }
    if (got.status !== 'error' && raises) {
      fail(`expected an error (tagged ${TAG.raisesException}), the cell ran without one`);
      continue;
    }

    const checked =
      tags.includes(TAG.nbtestCheckOutput) ||
      (!tags.includes(TAG.ignoreOutput) && (!opts.lax || tags.includes(TAG.checkOutput)));
    if (checked) {
      result.compared++;
      const mismatches = compareItems(toItems(cell.outputs ?? [], opts.rules), toItems(got.outputs, opts.rules));
      if (mismatches.length > 0) {
        fail('outputs differ from the stored ones', { mismatches });
        continue;
      }
    }
    result.passed++;
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function firstLine(source: string): string {
  return (
    source
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function errorSummary(traceback: string[] | undefined, fallback: string): string {
  // Frames inside node:vm and tslab say nothing about the notebook.
  const lines = (traceback ?? []).filter((l) => !/^\s+at .*(\(node:vm:|[\\/]tslab[\\/]dist[\\/])/.test(l));
  const text = lines.join('\n').replace(ANSI, '').trim();
  return text || fallback;
}
