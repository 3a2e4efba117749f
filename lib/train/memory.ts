/**
 * What notebooks/rnn-memory.ipynb trains: the same digits read as sequences of different lengths,
 * and the monitor that shows the run as it goes (a progress line and the accuracy-against-length
 * chart, filled in as each setting finishes).
 */
import { memoryFigure, type MemoryResult } from '../charts';
import { liveFigure, type LiveFigure } from '../charts/display';
import { positiveInteger } from '../checks';
import { type TextLine } from '../kernel/display';
import { interruptionPoint } from '../kernel/interrupt';
import type { CellKind } from '../model';
import { createProgress } from './progress';

/** A way of reading each 28x28 digit: `nSteps` steps of `nInputs` pixels, in the given pixel order. */
export interface Sequence {
  /** Its name on the chart: "784 × 1". */
  name: string;
  nSteps: number;
  nInputs: number;
  /** The pixels' order (lib/data/pixel-order.ts); reading order, row by row, when absent. */
  permutation?: Int32Array;
}

/**
 * A step's cost relative to the basic cell's: the number of [numUnits]-wide matrix products a
 * step of the cell takes (one for the basic cell, four gates for the LSTM, three for the GRU), close
 * to the measured ratios (bench/README.md). It weighs the progress line's estimate of time left.
 */
const STEP_COST: Record<CellKind, number> = { basic: 1, lstm: 4, gru: 3 };

export interface MemoryMonitor {
  /** After each training step: redraws the progress line, then lets an interrupt through. */
  step(sequence: Sequence, cell: CellKind): Promise<void>;
  /** After each setting: adds its accuracy to the chart and redraws it. */
  done(result: MemoryResult): Promise<void>;
  /** The settings finished so far. */
  readonly results: readonly MemoryResult[];
}

export interface MemoryMonitorOptions {
  sequences: Sequence[];
  cells: CellKind[];
  /** Training steps per setting. */
  nBatches: number;
  /** Aborting it makes the next `step()` throw (lib/kernel/interrupt.ts `runExclusive` gives one). */
  signal?: AbortSignal;
  /** Where the progress line goes; the cell output by default. */
  line?: TextLine;
  /** Where the chart goes; the cell output by default. */
  chart?: LiveFigure;
  /** Clock in milliseconds, for the progress line; tests pass a fake one. */
  now?: () => number;
}

/**
 * Shows a progress line and the empty chart, and returns the calls that update them. The line
 * counts work, not steps: a step of 784 LSTM steps weighs 784 x 4 times a step of one basic-cell
 * step, so that the time left it estimates holds while the short sequences run first.
 */
export function memoryMonitor(options: MemoryMonitorOptions): MemoryMonitor {
  const { sequences, cells, signal } = options;
  const nBatches = positiveInteger('nBatches', options.nBatches);
  const names = sequences.map((s) => s.name);
  const cost = (sequence: Sequence, cell: CellKind) => sequence.nSteps * STEP_COST[cell];
  const total = nBatches * sequences.reduce((sum, s) => sum + cells.reduce((c, cell) => c + cost(s, cell), 0), 0);
  const progress = createProgress({ total, line: options.line, percent: true, now: options.now });
  const chart = options.chart ?? liveFigure(memoryFigure([], names, cells));
  const results: MemoryResult[] = [];
  let work = 0;
  return {
    results,
    async step(sequence, cell) {
      work = Math.min(total, work + cost(sequence, cell));
      const setting = results.length + 1;
      progress.tick(work, `${sequence.name}, ${cell} (${setting} of ${sequences.length * cells.length})`);
      await interruptionPoint(signal);
    },
    done(result) {
      results.push(result);
      return chart.update(memoryFigure(results, names, cells));
    },
  };
}
