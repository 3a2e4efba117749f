// scripts/execute-notebook.sh stores each code cell's execution count: nbval treats a stored
// cell without one as never run ("Unrun reference cell has outputs").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCells } from '../../scripts/nbtest/run';

const ROOT = path.join(__dirname, '..', '..');

test('npm run notebook:execute stores execution counts, in run order, and no timings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'execute-notebook-'));
  try {
    const notebook = path.join(dir, 'ignored.ipynb');
    const stored = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'notebooks', 'ignored.ipynb'), 'utf8')) as {
      cells: { cell_type: string; execution_count?: number | null }[];
    };
    for (const cell of stored.cells) if (cell.cell_type === 'code') cell.execution_count = null;
    fs.writeFileSync(notebook, JSON.stringify(stored));
    const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'execute-notebook.sh'), notebook], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_RUNTIME_DIR: dir },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
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
});
