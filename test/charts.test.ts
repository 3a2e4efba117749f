import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyFigure,
  beliefFigure,
  confusionCounts,
  confusionFigure,
  figureSummary,
  rnnUnrolledFigure,
  type HeatmapTrace,
  type ScatterTrace,
} from '../lib/charts';

const scatter = (t: unknown): ScatterTrace => {
  assert.equal((t as ScatterTrace).type, 'scatter');
  return t as ScatterTrace;
};
const heatmap = (t: unknown): HeatmapTrace => {
  assert.equal((t as HeatmapTrace).type, 'heatmap');
  return t as HeatmapTrace;
};
const plain = (html: string): string => html.replace(/<[^>]*>/g, '');

test('rnnUnrolledFigure draws the folded cell, 3 unrolled steps, "…" and the last step', () => {
  const fig = rnnUnrolledFigure();
  const [inputs, states, dense, logits] = fig.data.map(scatter);
  // folded x_t plus x_0, x_1, x_2, x_27
  assert.deepEqual(inputs?.text?.map(plain), ['xt', 'x0', 'x1', 'x2', 'x27']);
  assert.deepEqual(states?.text?.map(plain), ['ht', 'h0', 'h1', 'h2', 'h27']);
  assert.deepEqual(dense?.text, ['dense']);
  assert.equal(logits?.x.length, 10);
  const texts = (fig.layout.annotations ?? []).map((a) => a.text);
  assert.equal(texts.filter((t) => t === '…').length, 2, 'one "…" for the states, one for the inputs');
});

test('rnnUnrolledFigure labels the 28 steps t = 0 … 27', () => {
  const texts = (rnnUnrolledFigure().layout.annotations ?? []).map((a) => plain(a.text));
  assert.ok(texts.some((t) => t.includes('28 time steps') && t.includes('t = 0 … 27')), texts.join(' | '));
  for (const t of ['t = 0', 't = 1', 't = 2', 't = 27']) assert.ok(texts.includes(t), `missing step label ${t}`);
});

test('rnnUnrolledFigure has hover text on every node', () => {
  const fig = rnnUnrolledFigure();
  for (const trace of fig.data.map(scatter)) {
    assert.equal(trace.hoverinfo, 'text');
    assert.equal(trace.hovertext?.length, trace.x.length, `${trace.name}: one hover text per node`);
    for (const h of trace.hovertext ?? []) assert.ok(h.length > 10, `${trace.name}: hover text "${h}" explains nothing`);
  }
  const inputs = scatter(fig.data[0]);
  assert.match(plain(inputs.hovertext?.[2] ?? ''), /^x1: row 1 of the digit, 28 pixels/);
});

test('rnnUnrolledFigure has arrows for input, carried state and classifier', () => {
  const arrows = (rnnUnrolledFigure().layout.annotations ?? []).filter((a) => a.showarrow);
  const byColor = new Map<string, number>();
  for (const a of arrows) byColor.set(a.arrowcolor ?? '', (byColor.get(a.arrowcolor ?? '') ?? 0) + 1);
  // inputs: folded + 4 columns; states: h0→h1→h2→…→h27 plus the self-loop's head; classifier: folded out, h27→dense, dense→logits
  assert.deepEqual([...byColor.values()].sort((a, b) => a - b), [3, 5, 5]);
});

test('rnnUnrolledFigure draws every step when there is nothing to elide', () => {
  const fig = rnnUnrolledFigure({ nSteps: 4, shownSteps: 3 });
  assert.deepEqual(scatter(fig.data[0]).text?.map(plain), ['xt', 'x0', 'x1', 'x2', 'x3']);
  assert.ok(!(fig.layout.annotations ?? []).some((a) => a.text === '…'));
});

test('rnnUnrolledFigure rejects more shown steps than steps', () => {
  assert.throws(() => rnnUnrolledFigure({ nSteps: 2, shownSteps: 3 }), /`shownSteps` to be at most nSteps \(2\), got 3/);
});

test('accuracyFigure keeps the x axis at 0 … nEpochs-1 while epochs arrive', () => {
  const one = accuracyFigure([{ epoch: 0, accTrain: 0.94, accTest: 0.928 }], 5);
  const none = accuracyFigure([], 5);
  assert.deepEqual(one.layout.xaxis?.range, [-0.25, 4.25]);
  assert.deepEqual(none.layout.xaxis?.range, one.layout.xaxis?.range);
  const [train, testAcc] = one.data.map(scatter);
  assert.deepEqual([train?.name, train?.y, testAcc?.name, testAcc?.y], ['Train accuracy', [0.94], 'Test accuracy', [0.928]]);
  assert.equal(train?.mode, 'lines+markers');
});

test('accuracyFigure rounds accuracies to 4 decimals', () => {
  const fig = accuracyFigure([{ epoch: 0, accTrain: 0.9266666889, accTest: 0.1 + 0.2 }], 1);
  assert.deepEqual(scatter(fig.data[0]).y, [0.9267]);
  assert.deepEqual(scatter(fig.data[1]).y, [0.3]);
});

test('accuracyFigure rejects an epoch outside 0 … nEpochs-1', () => {
  assert.throws(() => accuracyFigure([{ epoch: 5, accTrain: 1, accTest: 1 }], 5), /`history\[\]\.epoch` to be an integer in 0 … 4, got 5/);
});

test('confusionCounts puts true classes on rows, predictions on columns', () => {
  const counts = confusionCounts(Int32Array.from([0, 0, 1, 2, 2, 2]), Int32Array.from([0, 1, 1, 2, 2, 0]), 3);
  assert.deepEqual(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
});

test('confusionFigure counts sum to n and the diagonal holds the correct ones', () => {
  const labels = Int32Array.from([0, 1, 2, 2, 1, 0, 2]);
  const predictions = Int32Array.from([0, 1, 2, 1, 1, 2, 2]);
  const fig = confusionFigure(labels, predictions, 3, ['a', 'b', 'c']);
  const trace = heatmap(fig.data[0]);
  const counts = (trace.text ?? []).map((row) => row.map((t) => (t === '' ? 0 : Number(t))));
  assert.equal(counts.flat().reduce((a, b) => a + b, 0), labels.length);
  assert.deepEqual(counts.map((row, i) => row[i]), [1, 2, 2]);
  assert.deepEqual(trace.y, ['a', 'b', 'c']);
  assert.equal(fig.layout.yaxis?.autorange, 'reversed');
  assert.match(fig.layout.title?.text ?? '', /accuracy 0\.714/);
});

test('confusionCounts rejects a class out of range, naming the index', () => {
  assert.throws(() => confusionCounts(Int32Array.from([0, 3]), Int32Array.from([0, 0]), 3), /got label 3 and prediction 0 at index 1/);
});

test('beliefFigure pairs a 28x28 image with a [28 rows][10 classes] probability heatmap per digit', () => {
  const probs = Array.from({ length: 28 }, (_, s) => Array.from({ length: 10 }, (_, k) => (k === 7 ? 0.1 + s / 31 : (0.9 - s / 31) / 9)));
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
  assert.throws(() => beliefFigure([{ image: new Float32Array(780), label: 0, probsPerStep: [[1]] }]), /square image.*got 780 pixels/);
});

test('figureSummary gives the title without markup', () => {
  assert.equal(figureSummary(accuracyFigure([], 5)), 'Plotly chart: Accuracy per epoch (0 of 5) (2 traces)');
});
