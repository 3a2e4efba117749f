/**
 * Live training progress in the cell output, one line replaced in place:
 *
 *   epoch 2/5 · iteration 350/1100 · elapsed 0:12 · about 0:25 left
 *
 * The formatting and the estimate are pure functions; `createProgress` adds the
 * throttle (a few updates a second, so neither the kernel channel nor the
 * stored notebook is flooded) and the display.
 */
import { accuracyFigure } from '../charts';
import { positiveInteger } from '../checks';
import { formatDuration } from '../format';
import { liveFigure, type LiveFigure } from '../charts/display';
import { liveText, type TextLine } from '../kernel/display';
import { interruptionPoint } from '../kernel/interrupt';
import type { EpochResult } from './train';

/**
 * Seconds left at the average pace so far, or undefined before the first
 * iteration (no pace yet).
 */
export function estimateRemaining(done: number, total: number, elapsedSeconds: number): number | undefined {
  if (done <= 0) return undefined;
  return (elapsedSeconds * Math.max(0, total - done)) / done;
}

/**
 * The progress line: "iteration 350/1100 · elapsed 0:12 · about 0:25 left", prefixed by `label`;
 * with `percent`, the share done ("31%") in place of the iteration count, for work counted in
 * units of unequal cost.
 */
export function formatProgress(p: {
  done: number;
  total: number;
  elapsedSeconds: number;
  label?: string;
  percent?: boolean;
}): string {
  const count = p.percent ? `${Math.floor((100 * p.done) / p.total)}%` : `iteration ${p.done}/${p.total}`;
  const parts = [count, `elapsed ${formatDuration(p.elapsedSeconds)}`];
  const left = estimateRemaining(p.done, p.total, p.elapsedSeconds);
  if (p.done >= p.total) parts.push('done');
  else parts.push(left === undefined ? 'estimating time left' : `about ${formatDuration(left)} left`);
  if (p.label) parts.unshift(p.label);
  return parts.join(' · ');
}

export interface Progress {
  /** Reports `done` iterations; shown at most once per `minIntervalMs`, and always when done reaches total. */
  tick(done: number, label?: string): void;
  /** Shows the final line now. */
  done(): void;
}

export interface ProgressOptions {
  total: number;
  label?: string;
  /** Show the share done ("31%") rather than "iteration 350/1100". */
  percent?: boolean;
  /** Smallest gap between two displayed updates (250 ms: four a second). */
  minIntervalMs?: number;
  /** Where the line goes; the cell output by default. */
  line?: TextLine;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
}

/** Shows a progress line at once and returns the handle that updates it in place. */
export function createProgress(options: ProgressOptions): Progress {
  const { total, label, percent, minIntervalMs = 250, now = Date.now } = options;
  if (!Number.isInteger(total) || total <= 0) {
    throw new Error(`Expected \`total\` to be a positive integer, got ${total}`);
  }
  const line = options.line ?? liveText();
  const start = now();
  let lastShown = -Infinity;
  let current = 0;
  let currentLabel = label;
  const show = (): void => {
    const t = now();
    lastShown = t;
    line.update(
      formatProgress({ done: current, total, elapsedSeconds: (t - start) / 1000, label: currentLabel, percent }),
    );
  };
  show();
  return {
    tick(done, newLabel) {
      if (!Number.isFinite(done) || done < 0 || done > total) {
        throw new Error(`Expected \`done\` to be a number in 0 … ${total}, got ${done}`);
      }
      current = done;
      if (newLabel !== undefined) currentLabel = newLabel;
      if (done === total || now() - lastShown >= minIntervalMs) show();
    },
    done() {
      show();
    },
  };
}

/** What the notebook's training loop calls to show a run as it goes. */
export interface TrainingMonitor {
  /**
   * After each training step: counts it, redraws the progress line (a few times a
   * second), then waits for `interruptionPoint(signal)`, so it throws the AbortError
   * once the signal is aborted.
   */
  step(): Promise<void>;
  /** After each epoch: adds its accuracies to the chart and redraws it; resolves as `showFigure` does. */
  epochDone(result: EpochResult): Promise<void>;
  /** The epochs finished so far. */
  readonly history: readonly EpochResult[];
  /** The steps counted so far. */
  readonly steps: number;
}

export interface TrainingMonitorOptions {
  nEpochs: number;
  /** Training steps per epoch. */
  nIterations: number;
  /** Aborting it makes the next `step()` throw (lib/kernel/interrupt.ts `runExclusive` gives one). */
  signal?: AbortSignal;
  /** Where the progress line goes; the cell output by default. */
  line?: TextLine;
  /** Where the accuracy chart goes; the cell output by default. */
  chart?: LiveFigure;
}

/**
 * Shows a progress line and an empty accuracy chart in the cell output, and returns
 * the calls that update both in place: the line every few steps, the chart after
 * each epoch.
 */
export function trainingMonitor(options: TrainingMonitorOptions): TrainingMonitor {
  const { nEpochs, nIterations, signal } = options;
  positiveInteger('nIterations', nIterations);
  const progress = createProgress({ total: nEpochs * nIterations, line: options.line });
  const chart = options.chart ?? liveFigure(accuracyFigure([], nEpochs));
  const history: EpochResult[] = [];
  let steps = 0;
  return {
    history,
    get steps() {
      return steps;
    },
    async step() {
      steps += 1;
      progress.tick(steps, `epoch ${Math.ceil(steps / nIterations)}/${nEpochs}`);
      await interruptionPoint(signal);
    },
    epochDone(result) {
      history.push({ epoch: result.epoch, accTrain: result.accTrain, accTest: result.accTest });
      return chart.update(accuracyFigure(history, nEpochs));
    },
  };
}
