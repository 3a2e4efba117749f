// What notebooks/rnn-memory.ipynb and the exercises store: full runs on real MNIST, every setting
// trained, a results table in the prose that repeats the stored accuracies exactly, and the checks'
// verdicts: all "not yet" in the exercises as given, all right in the solutions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: { output_type: string; text?: string | string[]; data?: Record<string, unknown> }[];
}
const read = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'notebooks', name), 'utf8')) as { cells: Cell[] }).cells;
const join = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join('') : (text ?? ''));
const source = (c: Cell) => join(c.source);
const streamText = (c: Cell) =>
  (c.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => join(o.text))
    .join('');
const plainTexts = (c: Cell) => (c.outputs ?? []).map((o) => join(o.data?.['text/plain'] as string | string[]));

const SEQUENCES = ['28 × 28', '112 × 7', '196 × 4', '784 × 1', '784 × 1 permuted'];
const CELLS = ['basic', 'lstm', 'gru'];
const RESULT_LINE = /^(.+), (basic|lstm|gru): Test accuracy: (\S+)$/gm;

test('rnn-memory.ipynb stores a full run: all of MNIST, 15 settings in order, the work done', () => {
  const cells = read('rnn-memory.ipynb');
  const data = cells.find((c) => source(c).includes('readDataSets('));
  assert.match(streamText(data!), /^Extracting \/tmp\/data\/train-images-idx3-ubyte\.gz$/m);
  const training = cells.find((c) => source(c).includes('await runExclusive('));
  const results = [...streamText(training!).matchAll(RESULT_LINE)];
  assert.deepEqual(
    results.map((m) => `${m[1]}, ${m[2]}`),
    SEQUENCES.flatMap((s) => CELLS.map((c) => `${s}, ${c}`)),
  );
  assert.ok(plainTexts(training!).some((t) => /^784 × 1 permuted, gru \(15 of 15\) · 100% · .* done$/.test(t)));
  assert.ok(plainTexts(training!).some((t) => t.includes('Test accuracy against sequence length (15 of 15)')));
});

test("rnn-memory.ipynb's results table gives exactly the stored accuracies", () => {
  const cells = read('rnn-memory.ipynb');
  const training = cells.findIndex((c) => source(c).includes('await runExclusive('));
  const stored = new Map(
    [...streamText(cells[training]!).matchAll(RESULT_LINE)].map((m) => [`${m[1]}, ${m[2]}`, m[3]]),
  );
  const table = source(cells[training + 1]!);
  const rows = [...table.matchAll(/^\| ([^|]+?) \| (\S+) \| (\S+) \| (\S+) \|$/gm)].filter((r) =>
    SEQUENCES.includes(r[1]!),
  );
  assert.deepEqual(
    rows.map((r) => r[1]),
    SEQUENCES,
  );
  for (const r of rows) {
    assert.deepEqual(
      [r[2], r[3], r[4]],
      CELLS.map((c) => stored.get(`${r[1]}, ${c}`)),
      r[1],
    );
  }
});

for (const [name, verdict] of [
  ['rnn-exercises.ipynb', '✗ Not yet'],
  ['rnn-exercises-solutions.ipynb', '✓ Right'],
] as const) {
  test(`${name} stores a run on all of MNIST whose four checks each say ${verdict}`, () => {
    const cells = read(name);
    const data = cells.find((c) => source(c).includes('readDataSets('));
    assert.match(streamText(data!), /^Extracting \/tmp\/data\//m);
    const verdicts = cells
      .filter((c) => /check(ReluCell|GruStep|ClipByGlobalNorm|Columns)\(/.test(source(c)))
      .map((c) => streamText(c).trim());
    assert.equal(verdicts.length, 4);
    for (const v of verdicts) assert.ok(v.startsWith(verdict) && !v.includes('\n'), v);
  });
}
