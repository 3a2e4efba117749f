/**
 * Kernel interrupts for long-running notebook cells.
 *
 * When a user presses ■ (interrupt) in JupyterLab, the kernel process receives
 * SIGINT. tslab rejects the running cell's promise at once, but an async loop
 * started by that cell keeps going until it stops itself, and re-running the
 * cell would then start a second loop beside the first. `runExclusive` closes
 * both gaps: SIGINT aborts the task's signal, and a new task first stops the
 * previous one and waits for it to finish (and free its tensors).
 */

/** What a cancelled task throws: `err.name === 'AbortError'`, like fetch and DOM APIs. */
export class AbortError extends Error {
  constructor(message = 'Interrupted') {
    super(message);
    this.name = 'AbortError';
  }
}

interface Running {
  controller: AbortController;
  settled: Promise<unknown>;
}

// Kept on globalThis, not in module scope: tslab recompiles and reloads a
// local module when its file changes, and the old copy's task must still be found.
const RUNNING = Symbol.for('rnn-mnist-tslab.runExclusive');
type Registry = { [RUNNING]?: Running };

/**
 * Runs `task` with an AbortSignal that a kernel interrupt (SIGINT) aborts.
 * A task still running from an earlier call is aborted and awaited first, so
 * at most one runs at a time.
 *
 * Call it after the cell's first `await` (or as the awaited expression itself,
 * which is the same): tslab's own SIGINT handling is active while a cell runs
 * synchronously, and a listener added then makes the next interrupt kill the kernel.
 */
export async function runExclusive<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // Leave the cell's synchronous part before touching SIGINT listeners (see above).
  await Promise.resolve();
  const registry = globalThis as Registry;
  const previous = registry[RUNNING];
  if (previous) {
    previous.controller.abort(new AbortError('Superseded by a new run'));
    await previous.settled.catch(() => undefined);
  }

  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new AbortError('Interrupted by the kernel (SIGINT)'));
  process.on('SIGINT', onSigint);
  const settled = (async () => task(controller.signal))();
  const running: Running = { controller, settled };
  registry[RUNNING] = running;
  try {
    return await settled;
  } finally {
    process.off('SIGINT', onSigint);
    if (registry[RUNNING] === running) delete registry[RUNNING];
  }
}

/** Throws the signal's reason (an AbortError) if it was aborted; call between batches. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  throw reason instanceof Error ? reason : new AbortError();
}

/** How often `interruptionPoint` lets the event loop run, at most: ten times a frame's worth. */
const YIELD_INTERVAL_MS = 10;
let lastYield = -Infinity;

/**
 * The training loop's checkpoint, once per batch: throws the signal's AbortError if it has
 * been aborted, and, when 10 ms have passed since it last did, first lets the event loop run,
 * so that the kernel sends the cell's output and delivers an interrupt. A yield costs more
 * than its own microseconds (the step after one measured about 0.15 ms slower, against about
 * 2.5 ms for a step), so it comes every few batches rather than after each: an interrupt still
 * stops training within about 10 ms, and an abort made during a batch (from `onBatch`, say)
 * within that batch.
 */
export async function interruptionPoint(signal: AbortSignal | undefined): Promise<void> {
  if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  }
  throwIfAborted(signal);
}
