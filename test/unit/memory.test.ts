// notebooks/rnn-memory.ipynb's parts: its two charts (lib/charts/memory.ts) and its monitor (lib/train/memory.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Figure, ScatterTrace } from '../../lib/charts/plotly';
import { memoryFigure, stepGradientFigure, type MemoryResult } from '../../lib/charts';
import { formatProgress } from '../../lib/train/progress';
import { memoryMonitor, type MemoryMonitorOptions, type Sequence } from '../../lib/train/memory';

const sequences = ['28 × 28', '784 × 1'];

test('memoryFigure draws one line per cell across the sequences, in their order, with all of them on the axis from the start', () => {
  const results: MemoryResult[] = [
    { sequence: '784 × 1', cell: 'basic', accTest: 0.11 },
    { sequence: '28 × 28', cell: 'basic', accTest: 0.95 },
    { sequence: '28 × 28', cell: 'lstm', accTest: 0.97123456 },
  ];
  const figure = memoryFigure(results, sequences, ['basic', 'lstm']);
  const [basic, lstm] = figure.data as ScatterTrace[];
  assert.deepEqual(basic!.x, sequences);
  assert.deepEqual(basic!.y, [0.95, 0.11]);
  assert.equal(basic!.name, 'BasicRNNCell');
  assert.deepEqual(lstm!.y, [0.9712]);
  assert.deepEqual(figure.layout.xaxis?.tickvals, sequences);
  assert.match(figure.layout.title?.text ?? '', /^Test accuracy against sequence length .*3 of 4/);
  assert.equal(memoryFigure([], sequences, ['basic']).data.length, 1);
});

test('memoryFigure names a result it has no place for', () => {
  assert.throws(
    () => memoryFigure([{ sequence: '112 × 7', cell: 'basic', accTest: 0.5 }], sequences, ['basic']),
    /sequences 28 × 28, 784 × 1 and the cells basic.*got 112 × 7, basic, 0.5/,
  );
  assert.throws(
    () => memoryFigure([{ sequence: '28 × 28', cell: 'gru', accTest: 0.5 }], sequences, ['basic']),
    /got 28 × 28, gru/,
  );
  assert.throws(
    () => memoryFigure([{ sequence: '28 × 28', cell: 'basic', accTest: 1.5 }], sequences, ['basic']),
    /got 28 × 28, basic, 1.5/,
  );
});

test('stepGradientFigure draws each cell trained and initial on a log axis, leaving out norms of 0', () => {
  const figure = stepGradientFigure(
    [
      { cell: 'basic', trained: [0, 1e-30, 0.5], initial: [0.1, 0.2, 0.3] },
      { cell: 'gru', trained: [0.2, 0.3, 0.4], initial: [0.1, 0.2, 0.3] },
    ],
    100,
  );
  const traces = figure.data as ScatterTrace[];
  assert.equal(traces.length, 4);
  assert.deepEqual(traces[0]!.x, [2, 3]);
  assert.deepEqual(traces[0]!.y, [1e-30, 0.5]);
  assert.equal(traces[1]!.line?.dash, 'dot');
  assert.equal(figure.layout.yaxis?.type, 'log');
  assert.match(figure.layout.title?.text ?? '', /each of 3 steps .*mean over 100 test digits/);
  assert.throws(
    () => stepGradientFigure([{ cell: 'basic', trained: [1, 2], initial: [1] }], 1),
    /one norm per step.*basic: 2 and 1/,
  );
});

test('formatProgress can show the share done', () => {
  assert.equal(
    formatProgress({ done: 31, total: 100, elapsedSeconds: 31, percent: true, label: 'x' }),
    'x · 31% · elapsed 0:31 · about 1:09 left',
  );
});

/** The two sequences and two cells both monitor tests run through. */
const seqs: Sequence[] = [
  { name: '28 × 28', nSteps: 28, nInputs: 28 },
  { name: '784 × 1', nSteps: 784, nInputs: 1 },
];
const settings: Pick<MemoryMonitorOptions, 'sequences' | 'cells'> = { sequences: seqs, cells: ['basic', 'lstm'] };

test('memoryMonitor labels the line with the setting, ends at 100%, and redraws the chart after each setting', async () => {
  const lines: string[] = [];
  const figures: Figure[] = [];
  const monitor = memoryMonitor({
    ...settings,
    nBatches: 2,
    line: { update: (text) => lines.push(text) },
    chart: { update: (figure) => (figures.push(figure), Promise.resolve()) },
  });
  // Work: 2 batches x (28 x 1 + 28 x 4 + 784 x 1 + 784 x 4) = 8120; one step of 28 basic steps is 28 of it.
  await monitor.step(seqs[0]!, 'basic');
  await monitor.step(seqs[0]!, 'basic');
  await monitor.done({ sequence: '28 × 28', cell: 'basic', accTest: 0.9 });
  for (const cell of ['lstm', 'basic', 'lstm'] as const) {
    const sequence = cell === 'lstm' && figures.length === 1 ? seqs[0]! : seqs[1]!;
    await monitor.step(sequence, cell);
    await monitor.step(sequence, cell);
    await monitor.done({ sequence: sequence.name, cell, accTest: 0.5 });
  }
  assert.match(lines[0]!, /^0% · elapsed/);
  assert.match(lines.at(-1)!, /^784 × 1, lstm \(4 of 4\) · 100% · .* done$/);
  assert.equal(figures.length, 4);
  assert.equal(monitor.results.length, 4);
  assert.deepEqual((figures[3]!.data[1] as ScatterTrace).y, [0.5, 0.5]);
});

test('memoryMonitor counts a step of 784 LSTM steps as 784 x 4 of work, so the share done follows the cost', async () => {
  const lines: string[] = [];
  let t = 0;
  const monitor = memoryMonitor({
    ...settings,
    nBatches: 1,
    line: { update: (text) => lines.push(text) },
    chart: { update: () => Promise.resolve() },
    now: () => (t += 1000), // a second a step: every step shows its line
  });
  // Work: 28 x 1 + 28 x 4 + 784 x 1 + 784 x 4 = 4060.
  for (const [sequence, cell] of [
    [seqs[0]!, 'basic'],
    [seqs[0]!, 'lstm'],
    [seqs[1]!, 'basic'],
    [seqs[1]!, 'lstm'],
  ] as const) {
    await monitor.step(sequence, cell);
  }
  assert.deepEqual(
    lines.slice(1).map((line) => /(\d+)%/.exec(line)?.[1]),
    ['0', '3', '22', '100'],
  );
});
