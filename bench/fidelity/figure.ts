/**
 * The fidelity chart: per epoch, each side's mean test accuracy over the seeds with its min-max
 * band, and the seed notebook's own five printed test accuracies as points; in the style of the
 * notebook's accuracy chart (lib/charts/accuracy.ts).
 */
import { epochAxes } from '../../lib/charts/accuracy';
import { CONFIG, PAGE, chartTitle, round, type Figure, type ScatterTrace } from '../../lib/charts/plotly';
import type { Summary } from './stats';

/** The seed notebook's printed test accuracies, epochs 0 to 4 (../shared/seed/rnn_mnist_tf1.md). */
export const SEED_TEST_ACCURACIES = [0.928, 0.944, 0.95, 0.96, 0.958];

const COLORS: Record<string, string> = { ours: '#2b6cb0', tf1: '#d9822b' };

/**
 * @param sides each side's per-epoch summaries of the test accuracy (first 1,000 test images)
 * @param caption what the run was, for the subtitle: `10 seeds, full MNIST`
 */
export function fidelityFigure(sides: { name: string; label: string; epochs: Summary[] }[], caption: string): Figure {
  const nEpochs = Math.max(...sides.map((s) => s.epochs.length));
  const data: ScatterTrace[] = sides.flatMap(({ name, label, epochs: summaries }) => {
    const color = COLORS[name] ?? '#4b5563';
    const x = summaries.map((_, i) => i);
    return [
      // The band: max along the epochs, then min back, filled.
      {
        type: 'scatter',
        name: `${label}: min to max`,
        mode: 'lines',
        x: [...x, ...[...x].reverse()],
        y: [...summaries.map((s) => round(s.max, 4)), ...[...summaries].reverse().map((s) => round(s.min, 4))],
        fill: 'toself',
        fillcolor: `${color}33`,
        line: { width: 0, color },
        hoverinfo: 'skip',
        showlegend: true,
      },
      {
        type: 'scatter',
        name: `${label}: mean`,
        mode: 'lines+markers',
        x,
        y: summaries.map((s) => round(s.mean, 4)),
        line: { width: 2.5, color },
        marker: { size: 8, color },
        hovertemplate: `epoch %{x}<br>${label} mean: %{y:.4f}<extra></extra>`,
      },
    ];
  });
  data.push({
    type: 'scatter',
    name: "the seed notebook's printed run",
    mode: 'markers',
    x: SEED_TEST_ACCURACIES.map((_, i) => i),
    y: SEED_TEST_ACCURACIES,
    marker: { size: 11, symbol: 'x', color: '#111827' },
    hovertemplate: 'epoch %{x}<br>seed notebook: %{y:.3f}<extra></extra>',
  });
  const all = sides.flatMap((s) => s.epochs.map((e) => e.min)).concat(SEED_TEST_ACCURACIES);
  return {
    data,
    layout: {
      title: chartTitle('Test accuracy per epoch, over seeds', caption),
      width: 760,
      height: 430,
      ...PAGE,
      margin: { l: 70, r: 20, t: 70, b: 55 },
      showlegend: true,
      legend: { x: 1, y: 0.02, xanchor: 'right', yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0.85)' },
      ...epochAxes(nEpochs, Math.floor((Math.min(...all) - 0.005) * 100) / 100, 'accuracy, first 1,000 test images'),
    },
    config: CONFIG,
  };
}
