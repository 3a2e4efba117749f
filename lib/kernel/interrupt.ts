/**
 * Kernel interrupts for long-running notebook cells.
 *
 * When a user presses ■ (interrupt) in JupyterLab, the kernel process receives
 * SIGINT. tslab rejects the running cell's promise at once, but an async loop
 * started by that cell keeps going until it stops itself, and re-running the
 * cell would then start a second loop beside the first. `runExclusive` closes
 * both gaps: SIGINT aborts the task's signal, and a new task first stops the
 * previous one and waits for it to finish (and free its tensors).
 *
 * Deno's kernel has no SIGINT handler of its own: a SIGINT that finds no listener ends the
 * process, state and all (denoland/deno#24491), and its message-mode interrupt stops a cell only
 * while JavaScript runs (an awaiting loop hangs the kernel instead). So on Deno one listener,
 * added once and never removed (`guardDenoKernel`), takes every interrupt: it aborts the task
 * `runExclusive` runs, if any, and otherwise does nothing.
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
  const onSigint = (): void => controller.abort(new AbortError(INTERRUPTED));
  // On Deno the one permanent listener aborts the registered task; a listener of the task's own
  // would leave none behind it when removed.
  const own = !onDeno();
  if (own) process.on('SIGINT', onSigint);
  else guardDenoKernel();
  const settled = (async () => task(controller.signal))();
  const running: Running = { controller, settled };
  registry[RUNNING] = running;
  try {
    return await settled;
  } finally {
    if (own) process.off('SIGINT', onSigint);
    if (registry[RUNNING] === running) delete registry[RUNNING];
  }
}

const INTERRUPTED = 'Interrupted by the kernel (SIGINT)';
const GUARDED = Symbol.for('rnn-mnist-tslab.denoSigintGuard');

/** Whether this runs on Deno (in this project: Deno's Jupyter kernel). */
export function onDeno(): boolean {
  return (globalThis as { Deno?: unknown }).Deno !== undefined;
}

/**
 * On Deno, adds the kernel's one SIGINT listener, once per process (see the top of this file):
 * it aborts the task `runExclusive` runs, if any. Elsewhere it does nothing. Called by
 * `runExclusive` and by the first display (lib/kernel/display.ts), so that it is in place from
 * the notebook's first cell on.
 */
export function guardDenoKernel(): void {
  const registry = globalThis as Registry & { [GUARDED]?: true };
  if (!onDeno() || registry[GUARDED]) return;
  registry[GUARDED] = true;
  process.on('SIGINT', () => registry[RUNNING]?.controller.abort(new AbortError(INTERRUPTED)));
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
