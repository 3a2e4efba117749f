import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScatterTrace } from '../../lib/charts/plotly';
import { rnnUnrolledFigure } from '../../lib/charts/rnn';

const scatter = (t: unknown): ScatterTrace => {
  assert.equal((t as ScatterTrace).type, 'scatter');
  return t as ScatterTrace;
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
  assert.ok(
    texts.some((t) => t.includes('28 time steps') && t.includes('t = 0 … 27')),
    texts.join(' | '),
  );
  for (const t of ['t = 0', 't = 1', 't = 2', 't = 27']) assert.ok(texts.includes(t), `missing step label ${t}`);
});

test('rnnUnrolledFigure has hover text on every node', () => {
  const fig = rnnUnrolledFigure();
  for (const trace of fig.data.map(scatter)) {
    assert.equal(trace.hoverinfo, 'text');
    assert.equal(trace.hovertext?.length, trace.x.length, `${trace.name}: one hover text per node`);
    for (const h of trace.hovertext ?? [])
      assert.ok(h.length > 10, `${trace.name}: hover text "${h}" explains nothing`);
  }
  const inputs = scatter(fig.data[0]);
  assert.match(plain(inputs.hovertext?.[2] ?? ''), /^x1: row 1 of the digit, 28 pixels/);
});

test('rnnUnrolledFigure has arrows for input, carried state and classifier', () => {
  const arrows = (rnnUnrolledFigure().layout.annotations ?? []).filter((a) => a.showarrow);
  const byColor = new Map<string, number>();
  for (const a of arrows) byColor.set(a.arrowcolor ?? '', (byColor.get(a.arrowcolor ?? '') ?? 0) + 1);
  // inputs: folded + 4 columns; states: h0→h1→h2→…→h27 plus the self-loop's head; classifier: folded out, h27→dense, dense→logits
  assert.deepEqual(
    [...byColor.values()].sort((a, b) => a - b),
    [3, 5, 5],
  );
});

test('rnnUnrolledFigure draws every step when there is nothing to elide', () => {
  const fig = rnnUnrolledFigure({ nSteps: 4, shownSteps: 3 });
  assert.deepEqual(scatter(fig.data[0]).text?.map(plain), ['xt', 'x0', 'x1', 'x2', 'x3']);
  assert.ok(!(fig.layout.annotations ?? []).some((a) => a.text === '…'));
});

test('rnnUnrolledFigure rejects more shown steps than steps', () => {
  assert.throws(
    () => rnnUnrolledFigure({ nSteps: 2, shownSteps: 3 }),
    /`shownSteps` to be at most nSteps \(2\), got 3/,
  );
});
