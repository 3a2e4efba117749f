// What notebooks/rnn-mnist.ipynb stores: a full run on real MNIST whose numbers the
// comparison note repeats exactly, no machine-specific text, and no test switch in a cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

interface Cell {
  cell_type: string;
  source: string[];
  outputs?: { output_type: string; text?: string[]; data?: Record<string, unknown> }[];
}
const NOTEBOOK = path.join(__dirname, '..', '..', 'notebooks', 'rnn-mnist.ipynb');
const cells = (JSON.parse(fs.readFileSync(NOTEBOOK, 'utf8')) as { cells: Cell[] }).cells;
const source = (c: Cell) => c.source.join('');
const streamText = (c: Cell) =>
  (c.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => (o.text ?? []).join(''))
    .join('');
const trainingIndex = cells.findIndex((c) => c.cell_type === 'code' && source(c).includes('await runExclusive('));
const EPOCH_LINE = /^(\d) Train accuracy: (\S+) Test accuracy: (\S+)$/gm;

/** A display's text/plain, which nbformat stores as a string or a list of lines. */
function plainText(output: { data?: Record<string, unknown> }): string {
  const text = output.data?.['text/plain'];
  if (typeof text === 'string') return text;
  return Array.isArray(text) ? text.join('') : '';
}

test('the data cell read all of MNIST from /tmp/data/, as the seed shows it', () => {
  const data = cells.find((c) => c.cell_type === 'code' && source(c).includes('readDataSets('));
  assert.ok(data, 'no cell calls readDataSets');
  assert.equal(
    streamText(data),
    [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ]
      .map((f) => `Extracting /tmp/data/${f}\n`)
      .join(''),
  );
  const all = cells.map(streamText).join('');
  assert.match(all, /^Test accuracy on all 10000 test images: /m);
});

test("the stored training output is a full 5-epoch run, its epoch 4 within 1.5 points of the seed's 0.958", () => {
  const training = cells[trainingIndex];
  assert.ok(training, 'no training cell');
  const lines = [...streamText(training).matchAll(EPOCH_LINE)];
  assert.deepEqual(
    lines.map((m) => m[1]),
    ['0', '1', '2', '3', '4'],
  );
  const last = Number(lines[4]?.[3]);
  assert.ok(Math.abs(last - 0.958) <= 0.015, `epoch 4 test accuracy ${last}`);
  const progress = (training.outputs ?? []).map((o) => plainText(o)).find((t) => t.startsWith('epoch '));
  assert.match(progress ?? '', /^epoch 5\/5 · iteration 5500\/5500 · .* done$/);
});

test("the note beside the training cell gives the seed's lines and exactly the stored ones", () => {
  const note = cells[trainingIndex + 1];
  assert.equal(note?.cell_type, 'markdown');
  const rows = [...source(note).matchAll(/^\| (\d) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \|$/gm)];
  assert.deepEqual(
    rows.map((r) => [r[2], r[3]]),
    [
      ['0.94', '0.928'],
      ['0.926667', '0.944'],
      ['0.98', '0.95'],
      ['0.966667', '0.96'],
      ['0.96', '0.958'],
    ],
  );
  const stored = [...streamText(cells[trainingIndex]!).matchAll(EPOCH_LINE)].map((m) => [m[2], m[3]]);
  assert.deepEqual(
    rows.map((r) => [r[4], r[5]]),
    stored,
  );
});

test("no cell holds a test switch, and no output a machine's network details", () => {
  for (const cell of cells.filter((c) => c.cell_type === 'code')) {
    assert.doesNotMatch(source(cell), /NBTEST|process\.env\.(?!MNIST_DATA_DIR\b)/, source(cell).split('\n')[0]);
  }
  assert.doesNotMatch(source(cells[trainingIndex]!), /process\.env/);
  const texts = cells.flatMap((c) => (c.outputs ?? []).map((o) => (o.text ?? []).join('') + plainText(o)));
  const leaked = texts.filter((t) => /ENOTFOUND|EAI_AGAIN|getaddrinfo|googleapis|amazonaws|mirror/.test(t));
  assert.deepEqual(leaked, []);
});
