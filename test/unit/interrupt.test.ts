import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortError, interruptionPoint, runExclusive, throwIfAborted } from '../../lib/kernel/interrupt';

/** A task that loops in small async steps until aborted, like a training loop. */
function loopUntilAborted(log: string[], name: string) {
  return async (signal: AbortSignal): Promise<number> => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        throwIfAborted(signal);
      } catch (err) {
        log.push(`${name} stopped`);
        throw err;
      }
    }
  };
}

test('SIGINT aborts the running task and the listener is removed afterwards', async () => {
  const before = process.listenerCount('SIGINT');
  const log: string[] = [];
  const run = runExclusive(loopUntilAborted(log, 'a'));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  process.emit('SIGINT');
  await assert.rejects(run, (err: Error) => err instanceof AbortError && /SIGINT/.test(err.message));
  assert.deepEqual(log, ['a stopped']);
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('a second run stops the first and waits for it before starting', async () => {
  const log: string[] = [];
  const first = runExclusive(loopUntilAborted(log, 'first'));
  await new Promise((resolve) => setTimeout(resolve, 10));
  const second = runExclusive(() => {
    log.push('second started');
    return Promise.resolve(42);
  });
  await assert.rejects(first, AbortError);
  assert.equal(await second, 42);
  assert.deepEqual(log, ['first stopped', 'second started']);
});

test('a task that finishes returns its value and leaves no SIGINT listener', async () => {
  const before = process.listenerCount('SIGINT');
  assert.equal(await runExclusive(() => Promise.resolve('done')), 'done');
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('throwIfAborted passes on a live signal and throws the reason of an aborted one', () => {
  const controller = new AbortController();
  throwIfAborted(controller.signal);
  throwIfAborted(undefined);
  controller.abort(new AbortError('stop now'));
  assert.throws(() => throwIfAborted(controller.signal), /stop now/);
});

test('interruptionPoint lets pending callbacks run at most every 10 ms, and throws once the signal is aborted', async () => {
  const controller = new AbortController();
  const order: string[] = [];
  const later = () => new Promise((resolve) => setTimeout(resolve, 15));
  await later();
  setImmediate(() => order.push('callback'));
  await interruptionPoint(controller.signal);
  order.push('after');
  assert.deepEqual(order, ['callback', 'after']);
  // Right after a yield, the next checkpoint does not yield: the callback has not run yet.
  setImmediate(() => controller.abort(new AbortError('from outside')));
  await interruptionPoint(controller.signal);
  assert.equal(controller.signal.aborted, false);
  await later();
  await assert.rejects(interruptionPoint(controller.signal), /from outside/);
  // An abort made outside the event loop is seen at once.
  const other = new AbortController();
  other.abort(new AbortError('in the batch'));
  await assert.rejects(interruptionPoint(other.signal), /in the batch/);
});
