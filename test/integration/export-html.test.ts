// scripts/nbconvert/lab-alt.html.j2: the HTML export gives each chart's PNG its alternative text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
// A 1x1 PNG is enough: the template only reads the output's metadata.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

test(
  "the HTML export puts the stored alt text on PNG outputs, and nbconvert's placeholder where there is none",
  { timeout: 60_000 },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-html-'));
    try {
      const output = (metadata: object) => ({
        output_type: 'display_data',
        metadata,
        data: { 'image/png': PNG, 'text/plain': 'chart' },
      });
      const nb = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: 'code',
            id: 'a1',
            execution_count: 1,
            metadata: {},
            source: 'show()',
            outputs: [output({ 'image/png': { alt: 'Chart: Accuracy per epoch <5 of 5>' } }), output({})],
          },
        ],
      };
      fs.writeFileSync(path.join(dir, 'tiny.ipynb'), JSON.stringify(nb));
      const run = spawnSync(
        path.join(ROOT, '.venv/bin/jupyter'),
        [
          'nbconvert',
          '--to',
          'html',
          '--template-file',
          path.join(ROOT, 'scripts/nbconvert/lab-alt.html.j2'),
          '--output-dir',
          dir,
          path.join(dir, 'tiny.ipynb'),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const html = fs.readFileSync(path.join(dir, 'tiny.html'), 'utf8');
      const alts = [...html.matchAll(/<img alt="([^"]*)"/g)].map((m) => m[1]);
      assert.deepEqual(alts, [
        'Chart: Accuracy per epoch &lt;5 of 5&gt;',
        'No description has been provided for this image',
      ]);
      assert.match(run.stderr, /Alternative text is missing on 1 image\(s\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
