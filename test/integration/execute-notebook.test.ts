// scripts/execute-notebook.sh stores each code cell's execution count: nbval treats a stored
// cell without one as never run ("Unrun reference cell has outputs"). It renders each chart to a
// PNG too, so it needs a browser; and it reads its data from the folder --data names, never
// from the user's /tmp/data/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findChromium, missingBrowserLine } from '../../scripts/chromium';
import { readCells } from '../../nbtest/run';
import { skipping } from '../helpers/skip';

const ROOT = path.join(__dirname, '..', '..');

const EXECUTE_TEST = 'npm run notebook:execute stores execution counts, in run order, and no timings';
const browser = findChromium();
const SUBSET = path.join(ROOT, 'test', 'fixtures', 'mnist-subset');

test(
  EXECUTE_TEST,
  { skip: 'missing' in browser && skipping(EXECUTE_TEST, missingBrowserLine(browser.missing)) },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'execute-notebook-'));
    try {
      const notebook = path.join(dir, 'ignored.ipynb');
      const stored = JSON.parse(
        fs.readFileSync(path.join(ROOT, 'nbtest', 'test', 'notebooks', 'ignored.ipynb'), 'utf8'),
      ) as {
        cells: { cell_type: string; execution_count?: number | null }[];
      };
      for (const cell of stored.cells) if (cell.cell_type === 'code') cell.execution_count = null;
      fs.writeFileSync(notebook, JSON.stringify(stored));
      const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'execute-notebook.sh'), '--data', SUBSET, notebook], {
        encoding: 'utf8',
        env: { ...process.env, JUPYTER_RUNTIME_DIR: dir },
      });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /\/tmp\/data/, 'the data come from --data, not /tmp/data/');
      const cells = readCells(notebook).filter((c) => c.cell_type === 'code') as {
        execution_count?: number | null;
        metadata?: Record<string, unknown>;
      }[];
      assert.deepEqual(
        cells.map((c) => c.execution_count),
        [1, 2],
      );
      assert.deepEqual(
        cells.map((c) => 'execution' in (c.metadata ?? {})),
        [false, false],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
