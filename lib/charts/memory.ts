/**
 * The two charts of notebooks/rnn-memory.ipynb: test accuracy against sequence length, one line
 * per cell, and how much gradient reaches each step of the longest sequence. Pure: each returns a
 * figure object; showing it is lib/charts/display.ts's job.
 */

import type { CellKind } from '../model';
import { AXIS_LINE, GRID } from './parts';
import { CONFIG, MUTED, PAGE, chartTitle, round, type Figure, type Layout, type ScatterTrace } from './plotly';

/** One cell's colour, the same in both charts. */
export const CELL_COLORS: Record<CellKind, string> = { basic: '#2b6cb0', lstm: '#d9822b', gru: '#2f855a' };
/** The cells' names as TF-1 calls them. */
export const CELL_NAMES: Record<CellKind, string> = { basic: 'BasicRNNCell', lstm: 'BasicLSTMCell', gru: 'GRUCell' };
const SYMBOLS: Record<CellKind, string> = { basic: 'circle', lstm: 'diamond', gru: 'square' };

/** One trained setting: a cell, a way of reading the digits, and the accuracy it reached. */
export interface MemoryResult {
  /** The sequence's name, one of the chart's `sequences`. */
  sequence: string;
  cell: CellKind;
  /** Test accuracy, in 0 … 1. */
  accTest: number;
}

/**
 * Test accuracy against the way the digits are read, one line per cell. The x axis holds every
 * one of `sequences` from the start, so that a live chart fills in from the left.
 * @param sequences the names of the sequences, shortest first
 * @param cells the cells trained on each
 */
export function memoryFigure(results: MemoryResult[], sequences: string[], cells: CellKind[]): Figure {
  for (const r of results) {
    if (!sequences.includes(r.sequence) || !cells.includes(r.cell) || !(r.accTest >= 0 && r.accTest <= 1)) {
      throw new Error(
        `Expected results of the sequences ${sequences.join(', ')} and the cells ${cells.join(', ')}, accuracies in 0 … 1; got ${r.sequence}, ${r.cell}, ${r.accTest}`,
      );
    }
  }
  const data: ScatterTrace[] = cells.map((cell) => {
    const own = sequences.flatMap((s) => results.filter((r) => r.cell === cell && r.sequence === s));
    return {
      type: 'scatter',
      name: CELL_NAMES[cell],
      mode: 'lines+markers',
      x: own.map((r) => r.sequence),
      y: own.map((r) => round(r.accTest, 4)),
      line: { width: 2.5, color: CELL_COLORS[cell] },
      marker: { size: 9, symbol: SYMBOLS[cell], color: CELL_COLORS[cell] },
      hovertemplate: `${CELL_NAMES[cell]}<br>%{x}<br>test accuracy %{y:.3f}<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      title: chartTitle(
        'Test accuracy against sequence length',
        `${results.length} of ${sequences.length * cells.length}`,
      ),
      width: 760,
      height: 420,
      ...PAGE,
      margin: { l: 70, r: 50, t: 90, b: 60 },
      hovermode: 'closest',
      showlegend: true,
      // Above the plot, in one row: the lines run anywhere from 0 to 1.
      legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
      ...memoryAxes(sequences),
    },
    config: CONFIG,
  };
}

/** The memory chart's axes: every sequence a category on x, accuracy 0 … 1 on y, and the line of chance. */
function memoryAxes(sequences: string[]): Pick<Layout, 'xaxis' | 'yaxis' | 'shapes' | 'annotations'> {
  return {
    xaxis: {
      title: { text: 'steps × pixels a step' },
      type: 'category',
      tickvals: sequences,
      ticktext: sequences,
      range: [-0.3, sequences.length - 0.7],
      showline: true,
      linecolor: AXIS_LINE,
      fixedrange: true,
    },
    yaxis: {
      title: { text: 'test accuracy' },
      range: [0, 1.02],
      tickformat: '.1f',
      gridcolor: GRID,
      zeroline: false,
      showline: true,
      linecolor: AXIS_LINE,
      fixedrange: true,
    },
    // Ten classes: a network that learned nothing is right one time in ten.
    shapes: [
      { type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 0.1, y1: 0.1, line: { color: MUTED, width: 1, dash: 'dot' } },
    ],
    annotations: [
      {
        text: 'chance',
        x: 0.01,
        y: 0.1,
        xref: 'paper',
        yanchor: 'bottom',
        xanchor: 'left',
        showarrow: false,
        font: { color: MUTED, size: 12 },
      },
    ],
  };
}

/** What `stepGradientFigure` plots for one cell: lib/model/row-gradients.ts's mean norms per step. */
export interface StepGradients {
  cell: CellKind;
  /** [nSteps] mean ‖d loss / d h_t‖ with the trained weights */
  trained: number[];
  /** [nSteps] the same with the weights training started from */
  initial: number[];
}

/**
 * How much of the loss's gradient reaches each step's state, per cell, on a log scale: solid with
 * the trained weights, dotted with the initial ones. A norm of 0 (below float32's range) is left out.
 * @param nExamples the test digits the means are over, for the title
 */
export function stepGradientFigure(gradients: StepGradients[], nExamples: number): Figure {
  const nSteps = gradients[0]?.trained.length ?? 0;
  if (nSteps === 0 || gradients.some((g) => g.trained.length !== nSteps || g.initial.length !== nSteps)) {
    throw new Error(
      `Expected every cell's gradients to have one norm per step, the same number of steps for all, got ${gradients.map((g) => `${g.cell}: ${g.trained.length} and ${g.initial.length}`).join('; ')}`,
    );
  }
  const line = (cell: CellKind, norms: number[], trained: boolean): ScatterTrace => {
    const steps = norms.flatMap((v, t) => (v > 0 ? [t + 1] : []));
    const name = `${CELL_NAMES[cell]}, ${trained ? 'trained' : 'initial weights'}`;
    return {
      type: 'scatter',
      name,
      mode: 'lines',
      x: steps,
      y: steps.map((t) => Number(norms[t - 1]!.toPrecision(4))),
      line: { width: trained ? 2.5 : 1.5, color: CELL_COLORS[cell], dash: trained ? 'solid' : 'dot' },
      hovertemplate: `${name}<br>step %{x}<br>mean ‖∂loss/∂h‖ %{y:.3g}<extra></extra>`,
    };
  };
  return {
    data: gradients.flatMap((g) => [line(g.cell, g.trained, true), line(g.cell, g.initial, false)]),
    layout: {
      title: chartTitle(`How much gradient reaches each of ${nSteps} steps`, `mean over ${nExamples} test digits`),
      width: 900,
      height: 420,
      ...PAGE,
      margin: { l: 80, r: 20, t: 60, b: 55 },
      hovermode: 'closest',
      showlegend: true,
      // Right of the plot: the lines can cross any part of it.
      legend: { x: 1.02, y: 1, xanchor: 'left', yanchor: 'top' },
      xaxis: {
        title: { text: 'step (pixel read)' },
        range: [0, nSteps + 1],
        showline: true,
        linecolor: AXIS_LINE,
        zeroline: false,
        showgrid: false,
        ticks: 'outside',
        fixedrange: true,
      },
      yaxis: {
        title: { text: 'mean ‖∂loss/∂h‖ (log scale)' },
        type: 'log',
        tickformat: '.0e',
        gridcolor: GRID,
        showline: true,
        linecolor: AXIS_LINE,
        fixedrange: true,
      },
    },
    config: CONFIG,
  };
}
