import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyFigure } from '../../lib/charts';
import { liveFigure, showFigure } from '../../lib/charts/display';
import { liveText, type DisplayContent } from '../../lib/kernel/display';
import { PLOTLY_MIME } from '../../lib/charts/plotly';

function recorder() {
  const sent: { content: DisplayContent; update: boolean }[] = [];
  return { sent, write: (content: DisplayContent, update: boolean) => sent.push({ content, update }) };
}

test('showFigure sends one display_data with the Plotly JSON and a text fallback', async () => {
  const { sent, write } = recorder();
  const fig = accuracyFigure([], 5);
  await showFigure(fig, write);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.update, false);
  assert.deepEqual(Object.keys(sent[0]?.content.data ?? {}), [PLOTLY_MIME, 'text/plain']);
  assert.equal(sent[0]?.content.data[PLOTLY_MIME], fig);
});

test('liveFigure updates one output in place, through a text swap that makes JupyterLab redraw', async () => {
  const { sent, write } = recorder();
  const live = liveFigure(accuracyFigure([], 5), write);
  const next = accuracyFigure([{ epoch: 0, accTrain: 0.9, accTest: 0.9 }], 5);
  await live.update(next);
  assert.deepEqual(
    sent.map((s) => s.update),
    [false, true, true],
  );
  const ids = new Set(sent.map((s) => s.content.transient.display_id));
  assert.equal(ids.size, 1);
  assert.ok([...ids][0], 'a display id');
  assert.deepEqual(Object.keys(sent[1]?.content.data ?? {}), ['text/plain']);
  assert.equal(sent[2]?.content.data[PLOTLY_MIME], next);
});

test('two live outputs get different display ids', () => {
  const { sent, write } = recorder();
  liveText(write).update('a');
  liveText(write).update('b');
  assert.notEqual(sent[0]?.content.transient.display_id, sent[1]?.content.transient.display_id);
});

test('displaying outside a tslab kernel fails with a clear message', () => {
  assert.throws(() => showFigure(accuracyFigure([], 5)), /Expected to run in a notebook cell on the tslab kernel/);
});
