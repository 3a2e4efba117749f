import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyFigure, beliefFigure, confusionCounts, confusionFigure, rowGradientFigure } from '../../lib/charts';
import { figureSummary, type HeatmapTrace, type ScatterTrace } from '../../lib/charts/plotly';

const scatter = (t: unknown): ScatterTrace => {
  assert.equal((t as ScatterTrace).type, 'scatter');
  return t as ScatterTrace;
};
const heatmap = (t: unknown): HeatmapTrace => {
  assert.equal((t as HeatmapTrace).type, 'heatmap');
  return t as HeatmapTrace;
};
const plain = (html: string): string => html.replace(/<[^>]*>/g, '');

test('accuracyFigure keeps the x axis at 0 … nEpochs-1 while epochs arrive', () => {
  const one = accuracyFigure([{ epoch: 0, accTrain: 0.94, accTest: 0.928 }], 5);
  const none = accuracyFigure([], 5);
  assert.deepEqual(one.layout.xaxis?.range, [-0.25, 4.25]);
  assert.deepEqual(none.layout.xaxis?.range, one.layout.xaxis?.range);
  const [train, testAcc] = one.data.map(scatter);
  assert.deepEqual(
    [train?.name, train?.y, testAcc?.name, testAcc?.y],
    ['Train accuracy', [0.94], 'Test accuracy', [0.928]],
  );
  assert.equal(train?.mode, 'lines+markers');
});

test('accuracyFigure rounds accuracies to 4 decimals', () => {
  const fig = accuracyFigure([{ epoch: 0, accTrain: 0.9266666889, accTest: 0.1 + 0.2 }], 1);
  assert.deepEqual(scatter(fig.data[0]).y, [0.9267]);
  assert.deepEqual(scatter(fig.data[1]).y, [0.3]);
});

test('accuracyFigure rejects an epoch outside 0 … nEpochs-1', () => {
  assert.throws(
    () => accuracyFigure([{ epoch: 5, accTrain: 1, accTest: 1 }], 5),
    /`history\[\]\.epoch` to be an integer in 0 … 4, got 5/,
  );
});

test('confusionCounts puts true classes on rows, predictions on columns', () => {
  const counts = confusionCounts(Int32Array.from([0, 0, 1, 2, 2, 2]), Int32Array.from([0, 1, 1, 2, 2, 0]), 3);
  assert.deepEqual(counts, [
    [1, 1, 0],
    [0, 1, 0],
    [1, 0, 2],
  ]);
});

test('confusionFigure counts sum to n and the diagonal holds the correct ones', () => {
  const labels = Int32Array.from([0, 1, 2, 2, 1, 0, 2]);
  const predictions = Int32Array.from([0, 1, 2, 1, 1, 2, 2]);
  const fig = confusionFigure(labels, predictions, 3, ['a', 'b', 'c']);
  const trace = heatmap(fig.data[0]);
  const counts = (trace.text ?? []).map((row) => row.map((t) => (t === '' ? 0 : Number(t))));
  assert.equal(
    counts.flat().reduce((a, b) => a + b, 0),
    labels.length,
  );
  assert.deepEqual(
    counts.map((row, i) => row[i]),
    [1, 2, 2],
  );
  assert.deepEqual(trace.y, ['a', 'b', 'c']);
  assert.equal(fig.layout.yaxis?.autorange, 'reversed');
  assert.match(fig.layout.title?.text ?? '', /accuracy 0\.714/);
});

test('confusionCounts rejects a class out of range, naming the index', () => {
  assert.throws(
    () => confusionCounts(Int32Array.from([0, 3]), Int32Array.from([0, 0]), 3),
    /got label 3 and prediction 0 at index 1/,
  );
});

test('beliefFigure pairs a 28x28 image with a [28 rows][10 classes] probability heatmap per digit', () => {
  const probs = Array.from({ length: 28 }, (_, s) =>
    Array.from({ length: 10 }, (_, k) => (k === 7 ? 0.1 + s / 31 : (0.9 - s / 31) / 9)),
  );
  const digit = { image: new Float32Array(784).fill(0.5), label: 7, probsPerStep: probs };
  const fig = beliefFigure([digit, digit, digit]);
  assert.equal(fig.data.length, 6);
  const image = heatmap(fig.data[0]);
  const belief = heatmap(fig.data[1]);
  assert.deepEqual([image.z.length, image.z[0]?.length], [28, 28]);
  assert.deepEqual([belief.z.length, belief.z[0]?.length], [28, 10]);
  assert.equal(fig.layout.yaxis?.range?.[0], 28.5, 'image rows top to bottom');
  assert.ok(fig.layout.yaxis6 && fig.layout.xaxis6, 'axes for the third digit');
  const titles = (fig.layout.annotations ?? []).map((a) => plain(a.text));
  assert.equal(titles.length, 3);
  assert.match(titles[0] ?? '', /^true 7 · predicted 7 \(97%\)$/);
});

test('beliefFigure rejects an image that is not square', () => {
  assert.throws(
    () => beliefFigure([{ image: new Float32Array(780), label: 0, probsPerStep: [[1]] }]),
    /square image.*got 780 pixels/,
  );
});

test('figureSummary gives the title without markup', () => {
  assert.equal(figureSummary(accuracyFigure([], 5)), 'Plotly chart: Accuracy per epoch (0 of 5) (2 traces)');
});

const fading = Array.from({ length: 28 }, (_, t) => 1.3 * 0.9 ** (27 - t));
const flat = Array.from({ length: 28 }, () => 0.35);
/** A 28x28 digit with ink only in rows 5 … 20 (1-based), a quarter of each such row inked. */
const strokeDigit = (label: number) => ({
  label,
  image: Float32Array.from({ length: 784 }, (_, i) =>
    Math.floor(i / 28) >= 4 && Math.floor(i / 28) < 20 && i % 28 < 7 ? 1 : 0,
  ),
});

test('rowGradientFigure plots both curves against rows 1 … 28 on a log axis, hover naming row and value', () => {
  const fig = rowGradientFigure({ before: fading, after: flat, nExamples: 1000, digits: [] });
  const [before, after] = fig.data.map(scatter);
  assert.deepEqual([before?.name, after?.name], ['freshly initialised', 'trained']);
  assert.deepEqual(
    before?.x,
    Array.from({ length: 28 }, (_, t) => t + 1),
  );
  assert.equal(before?.y[27], 1.3);
  assert.equal(before?.y[0], Number((1.3 * 0.9 ** 27).toPrecision(4)));
  assert.match(String(before?.hovertemplate ?? ''), /row %\{x\}.*freshly initialised: %\{y/);
  assert.equal(fig.layout.yaxis?.type, 'log');
  const [low, high] = (fig.layout.yaxis?.range ?? [NaN, NaN]) as [number, number];
  assert.ok(10 ** low <= Math.min(...fading) && 10 ** high >= 1.3, `log range [${low}, ${high}] covers the values`);
  const ticks = (fig.layout.yaxis?.tickvals ?? []) as number[];
  assert.ok(
    ticks.includes(0.1) && ticks.includes(1) && ticks.every((v) => v >= 10 ** low && v <= 10 ** high),
    `ticks ${ticks.join(', ')}`,
  );
  assert.match(plain(fig.layout.title?.text ?? ''), /over 1000 test digits/);
});

test('rowGradientFigure draws each digit upright and the ink of its rows aligned with the row axis', () => {
  const fig = rowGradientFigure({
    before: fading,
    after: flat,
    nExamples: 2,
    digits: [strokeDigit(3), strokeDigit(8)],
  });
  assert.equal(fig.data.length, 2 + 2 * 2);
  const thumb = heatmap(fig.data[2]);
  const ink = heatmap(fig.data[3]);
  assert.deepEqual([thumb.z.length, thumb.z[0]?.length], [28, 28]);
  assert.equal(fig.layout[`yaxis${thumb.yaxis?.slice(1)}`]?.range?.[0], 28.5, 'thumbnail rows top to bottom');
  assert.deepEqual(
    ink.x,
    Array.from({ length: 28 }, (_, t) => t + 1),
  );
  assert.deepEqual(
    ink.z[0]?.map((v) => v !== null && v > 0),
    Array.from({ length: 28 }, (_, t) => t >= 4 && t < 20),
  );
  assert.equal(ink.z[0]?.[10], 0.25);
  assert.match(String(ink.hovertemplate ?? ''), /a 3: row %\{x\}/);
  const stripAxis = fig.layout[`xaxis${ink.xaxis?.slice(1)}`];
  assert.deepEqual(stripAxis?.domain, fig.layout.xaxis?.domain, 'strip and curves share the row axis');
  assert.deepEqual(stripAxis?.range, fig.layout.xaxis?.range);
  const second = heatmap(fig.data[5]);
  const [lowA] = fig.layout[`yaxis${ink.yaxis?.slice(1)}`]?.domain ?? [];
  const [, highB] = fig.layout[`yaxis${second.yaxis?.slice(1)}`]?.domain ?? [];
  assert.ok((highB ?? 1) < (lowA ?? 0), 'the second strip sits below the first');
});

test('rowGradientFigure rejects mismatched lengths, values a log axis cannot show, and odd images', () => {
  assert.throws(
    () => rowGradientFigure({ before: fading, after: flat.slice(1), nExamples: 1, digits: [] }),
    /`after` to hold 28 values.*got 27/,
  );
  assert.throws(
    () => rowGradientFigure({ before: fading, after: [...flat.slice(1), 0], nExamples: 1, digits: [] }),
    /`after` to hold positive numbers.*got 0 at row 28/,
  );
  assert.throws(
    () =>
      rowGradientFigure({
        before: fading,
        after: flat,
        nExamples: 1,
        digits: [{ label: 1, image: new Float32Array(780) }],
      }),
    /`digits\[0\]\.image` to hold 28 rows.*got 780 pixels/,
  );
  assert.throws(
    () => rowGradientFigure({ before: [], after: [], nExamples: 1, digits: [] }),
    /`before` to hold one value per row, got none/,
  );
});
