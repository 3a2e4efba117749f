import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { accuracyFigure } from '../../lib/charts';
import { PLOTLY_MIME } from '../../lib/charts/plotly';
import { findChromium, missingBrowserLine } from '../../scripts/chromium';
import { altText, renderNotebookPlots } from '../../scripts/render-static';
import { skipping } from '../helpers/skip';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function tinyNotebook(): object {
  const figure = accuracyFigure([{ epoch: 0, accTrain: 0.94, accTest: 0.928 }], 5);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'markdown', id: 'a', metadata: {}, source: '# chart' },
      {
        cell_type: 'code',
        id: 'b',
        metadata: {},
        execution_count: 1,
        source: 'showFigure(fig)',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: 'hello\n' },
          { output_type: 'display_data', metadata: {}, data: { [PLOTLY_MIME]: figure, 'text/plain': 'Plotly chart' } },
        ],
      },
    ],
  };
}

const RENDER_TEST = 'renderNotebookPlots adds a PNG of the layout size to each Plotly output, idempotently';
const browser = findChromium();

test(
  RENDER_TEST,
  { timeout: 60_000, skip: 'missing' in browser && skipping(RENDER_TEST, missingBrowserLine(browser.missing)) },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-static-'));
    try {
      const file = path.join(dir, 'tiny.ipynb');
      fs.writeFileSync(file, JSON.stringify(tinyNotebook()));
      assert.equal(await renderNotebookPlots(file), 1);

      interface Output {
        data?: Record<string, { data?: unknown } | string | undefined>;
        metadata: Record<string, { alt?: string } | undefined>;
      }
      const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs: Output[] }[] };
      const out = nb.cells[1]!.outputs[1]!;
      const png = Buffer.from(out.data?.['image/png'] as string, 'base64');
      assert.deepEqual(png.subarray(0, 8), PNG_MAGIC);
      // IHDR: width and height, big-endian, right after the signature and chunk header.
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [700, 380]);
      assert.ok(png.length > 5_000 && png.length < 500_000, `PNG of ${png.length} bytes`);
      assert.ok((out.data?.[PLOTLY_MIME] as { data?: unknown }).data, 'the Plotly JSON stays');
      assert.equal(out.metadata['image/png']?.alt, 'Chart: Accuracy per epoch (1 of 5)');
      assert.equal(nb.cells[1]!.outputs[0]!.data, undefined, 'a stream output is left alone');

      const once = fs.readFileSync(file, 'utf8');
      await renderNotebookPlots(file);
      assert.equal(fs.readFileSync(file, 'utf8'), once);
      assert.deepEqual(fs.readdirSync(dir), ['tiny.ipynb'], 'no temporary file left behind');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('altText is the figure\'s title without markup, or just "Chart"', () => {
  assert.equal(
    altText({ layout: { title: { text: 'Accuracy<br><span style="color:#999">(5 of 5)</span>' } } }),
    'Chart: Accuracy (5 of 5)',
  );
  assert.equal(altText({ layout: { title: 'Plain  title' } }), 'Chart: Plain title');
  assert.equal(altText({ data: [] }), 'Chart');
});
