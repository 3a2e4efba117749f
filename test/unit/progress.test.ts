import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Figure } from '../../lib/charts/plotly';
import { AbortError } from '../../lib/kernel/interrupt';
import { formatDuration } from '../../lib/format';
import { createProgress, estimateRemaining, formatProgress, trainingMonitor } from '../../lib/train/progress';

test('formatDuration writes m:ss, and h:mm:ss from an hour on', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(12.4), '0:12');
  assert.equal(formatDuration(59.6), '1:00');
  assert.equal(formatDuration(754), '12:34');
  assert.equal(formatDuration(3600 + 5 * 60 + 3), '1:05:03');
});

test('formatDuration rejects negative and non-finite seconds', () => {
  assert.throws(() => formatDuration(-1), /`seconds` to be a finite number >= 0, got -1/);
  assert.throws(() => formatDuration(Number.NaN), /got NaN/);
});

test('estimateRemaining extrapolates the average pace so far', () => {
  assert.equal(estimateRemaining(350, 1100, 12), (12 * 750) / 350);
  assert.equal(estimateRemaining(1100, 1100, 40), 0);
});

test('estimateRemaining has no estimate before the first iteration', () => {
  assert.equal(estimateRemaining(0, 1100, 3), undefined);
});

test('formatProgress reads like the notebook line', () => {
  assert.equal(
    formatProgress({ done: 350, total: 1100, elapsedSeconds: 12 }),
    'iteration 350/1100 · elapsed 0:12 · about 0:26 left',
  );
  assert.equal(
    formatProgress({ done: 0, total: 1100, elapsedSeconds: 0, label: 'epoch 1/5' }),
    'epoch 1/5 · iteration 0/1100 · elapsed 0:00 · estimating time left',
  );
  assert.equal(
    formatProgress({ done: 1100, total: 1100, elapsedSeconds: 37 }),
    'iteration 1100/1100 · elapsed 0:37 · done',
  );
});

function fakeRun() {
  let t = 1000;
  const lines: string[] = [];
  const progress = createProgress({
    total: 100,
    minIntervalMs: 250,
    now: () => t,
    line: { update: (s) => lines.push(s) },
  });
  return { progress, lines, advance: (ms: number) => (t += ms) };
}

test('createProgress shows the first line at once', () => {
  const { lines } = fakeRun();
  assert.deepEqual(lines, ['iteration 0/100 · elapsed 0:00 · estimating time left']);
});

test('createProgress shows at most one update per interval', () => {
  const { progress, lines, advance } = fakeRun();
  for (let i = 1; i <= 50; i++) {
    advance(10); // 100 iterations a second: 500 ms in all
    progress.tick(i);
  }
  assert.deepEqual(lines.slice(1), [
    'iteration 25/100 · elapsed 0:00 · about 0:01 left',
    'iteration 50/100 · elapsed 0:01 · about 0:01 left',
  ]);
});

test('createProgress always shows the last iteration, and done() shows the final line', () => {
  const { progress, lines, advance } = fakeRun();
  advance(20_000);
  progress.tick(99);
  advance(10);
  progress.tick(100);
  assert.equal(lines.at(-1), 'iteration 100/100 · elapsed 0:20 · done');
  progress.done();
  assert.equal(lines.length, 4);
});

test('createProgress rejects a done count beyond total', () => {
  const { progress } = fakeRun();
  assert.throws(() => progress.tick(101), /`done` to be a number in 0 … 100, got 101/);
});

function fakeMonitor(signal?: AbortSignal) {
  const lines: string[] = [];
  const figures: Figure[] = [];
  const monitor = trainingMonitor({
    nEpochs: 2,
    nIterations: 3,
    signal,
    line: { update: (text) => lines.push(text) },
    chart: { update: (figure) => (figures.push(figure), Promise.resolve()) },
  });
  return { monitor, lines, figures };
}

test('trainingMonitor counts steps across epochs and redraws the chart with each finished epoch', async () => {
  const { monitor, lines, figures } = fakeMonitor();
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let iteration = 0; iteration < 3; iteration++) await monitor.step();
    await monitor.epochDone({ epoch, accTrain: 0.5 + epoch / 10, accTest: 0.4 + epoch / 10 });
  }
  assert.match(lines.at(-1) ?? '', /^epoch 2\/2 · iteration 6\/6 · .* done$/);
  assert.equal(monitor.steps, 6);
  assert.equal(figures.length, 2);
  assert.deepEqual(figures[1]?.data[1]?.y, [0.4, 0.5]);
  assert.deepEqual(
    monitor.history.map((h) => h.epoch),
    [0, 1],
  );
});

test('trainingMonitor.step yields to the event loop, and throws the AbortError once the signal is aborted', async () => {
  const controller = new AbortController();
  const { monitor } = fakeMonitor(controller.signal);
  // interruptionPoint yields at most every 10 ms: wait that out before each step.
  const later = () => new Promise((resolve) => setTimeout(resolve, 15));
  let ran = false;
  await later();
  setImmediate(() => (ran = true));
  await monitor.step();
  assert.ok(ran, 'step() did not let the event loop run');
  // Aborted from outside while the loop waits, as a kernel interrupt does.
  await later();
  setImmediate(() => controller.abort(new AbortError('Interrupted by the kernel (SIGINT)')));
  await assert.rejects(monitor.step(), { name: 'AbortError', message: /SIGINT/ });
  assert.equal(monitor.steps, 2);
});

test('trainingMonitor names a wrong nIterations', () => {
  assert.throws(
    () =>
      trainingMonitor({
        nEpochs: 1,
        nIterations: 0,
        line: { update: () => undefined },
        chart: { update: () => Promise.resolve() },
      }),
    /Expected `nIterations` to be a positive integer, got 0/,
  );
});
