/**
 * Train and test accuracy per epoch, the chart that fills in live during
 * training. Pure: returns a figure object; showing it is lib/charts/display.ts's job.
 */

import { positiveInteger } from '../checks';
import type { EpochResult } from '../train/train';
import { AXIS_LINE, GRID } from './parts';
import { CONFIG, PAGE, chartTitle, round, type Figure, type Layout, type ScatterTrace } from './plotly';

const TRAIN_COLOR = '#d9822b';
const TEST_COLOR = '#2b6cb0';

/**
 * Train and test accuracy per epoch. The x axis is fixed to `0 … nEpochs - 1`
 * so that a live chart fills in from the left as epochs finish.
 *
 * @param history one entry per finished epoch, `epoch` in `0 … nEpochs - 1`
 */
export function accuracyFigure(history: EpochResult[], nEpochs: number): Figure {
  positiveInteger('nEpochs', nEpochs);
  for (const h of history) {
    if (!Number.isInteger(h.epoch) || h.epoch < 0 || h.epoch >= nEpochs) {
      throw new Error(`Expected \`history[].epoch\` to be an integer in 0 … ${nEpochs - 1}, got ${h.epoch}`);
    }
  }
  const epochs = history.map((h) => h.epoch);
  const all = history.flatMap((h) => [h.accTrain, h.accTest]);
  // Start the y axis at a round number below the lowest point, at most 0.9, so early epochs don't rescale it.
  const low = Math.min(0.9, ...all.map((v) => Math.floor((v - 0.01) * 20) / 20));
  return {
    data: [
      series(
        'Train accuracy',
        epochs,
        history.map((h) => h.accTrain),
        TRAIN_COLOR,
        'circle',
      ),
      series(
        'Test accuracy',
        epochs,
        history.map((h) => h.accTest),
        TEST_COLOR,
        'diamond',
      ),
    ],
    layout: {
      title: chartTitle('Accuracy per epoch', `${history.length} of ${nEpochs}`),
      width: 700,
      height: 380,
      ...PAGE,
      margin: { l: 70, r: 20, t: 60, b: 55 },
      hovermode: 'closest',
      showlegend: true,
      legend: { x: 1, y: 0.02, xanchor: 'right', yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0.85)' },
      ...epochAxes(nEpochs, low),
    },
    config: CONFIG,
  };
}

function series(name: string, epochs: number[], values: number[], color: string, symbol: string): ScatterTrace {
  return {
    type: 'scatter',
    name,
    mode: 'lines+markers',
    x: epochs,
    y: values.map((v) => round(v, 4)),
    line: { width: 2.5, color },
    marker: { size: 9, symbol, color },
    hovertemplate: `epoch %{x}<br>${name.toLowerCase()}: %{y:.3f}<extra></extra>`,
  };
}

/** Epochs on x, one tick each; accuracy on y, from `low` to just above 1 (bench/fidelity/figure.ts too). */
export function epochAxes(nEpochs: number, low: number, yTitle = 'accuracy'): Pick<Layout, 'xaxis' | 'yaxis'> {
  return {
    xaxis: {
      title: { text: 'epoch' },
      range: [-0.25, nEpochs - 0.75],
      tickmode: 'linear',
      tick0: 0,
      dtick: 1,
      zeroline: false,
      showgrid: false,
      showline: true,
      linecolor: AXIS_LINE,
      ticks: 'outside',
      fixedrange: true,
    },
    yaxis: {
      title: { text: yTitle },
      range: [round(low, 2), 1.005],
      tickformat: '.2f',
      zeroline: false,
      gridcolor: GRID,
      showline: true,
      linecolor: AXIS_LINE,
      fixedrange: true,
    },
  };
}
