/**
 * The confusion matrix on the test set, and the counts it is drawn from. Pure:
 * returns a figure object; showing it is lib/charts/display.ts's job.
 */

import { positiveInteger } from '../checks';
import { BLUES, classNamesOf } from './parts';
import { CONFIG, PAGE, chartTitle, round, type Figure, type HeatmapTrace } from './plotly';

/**
 * Counts of (true class, predicted class) pairs.
 *
 * @param labels [n] true classes in `0 … nClasses - 1`
 * @param predictions [n] predicted classes in `0 … nClasses - 1`
 * @returns [nClasses][nClasses], true class first
 */
export function confusionCounts(labels: Int32Array, predictions: Int32Array, nClasses: number): number[][] {
  positiveInteger('nClasses', nClasses);
  if (labels.length !== predictions.length) {
    throw new Error(
      `Expected \`labels\` and \`predictions\` to have the same length, got ${labels.length} and ${predictions.length}`,
    );
  }
  const counts = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] ?? -1;
    const p = predictions[i] ?? -1;
    const row = counts[t];
    if (row === undefined || p < 0 || p >= nClasses) {
      throw new Error(`Expected classes in 0 … ${nClasses - 1}, got label ${t} and prediction ${p} at index ${i}`);
    }
    row[p] = (row[p] ?? 0) + 1;
  }
  return counts;
}

/**
 * Confusion matrix on the test set: true class on y (top to bottom), predicted
 * class on x, each cell annotated with its count and coloured by the share of
 * its true class, so the rare mistakes stay visible beside the large diagonal.
 *
 * @param labels [n] true classes, as for `confusionCounts`
 * @param predictions [n] predicted classes
 * @param classNames [nClasses] names for the axes; the class numbers if omitted
 */
export function confusionFigure(
  labels: Int32Array,
  predictions: Int32Array,
  nClasses = 10,
  classNames?: string[],
): Figure {
  const counts = confusionCounts(labels, predictions, nClasses);
  const names = classNamesOf(classNames, nClasses);
  const correct = counts.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
  const n = labels.length;
  const side = Math.max(360, nClasses * 46);
  const margin = { l: 90, r: 30, t: 90, b: 70 };
  return {
    data: [matrix(counts, names)],
    layout: {
      title: chartTitle(`Confusion matrix on ${n} test images`, `accuracy ${n === 0 ? '–' : (correct / n).toFixed(3)}`),
      width: side + margin.l + margin.r,
      height: side + margin.t + margin.b,
      ...PAGE,
      margin,
      xaxis: {
        title: { text: 'predicted class' },
        type: 'category',
        side: 'bottom',
        ticks: '',
        showgrid: false,
        fixedrange: true,
      },
      yaxis: {
        title: { text: 'true class' },
        type: 'category',
        autorange: 'reversed',
        ticks: '',
        showgrid: false,
        fixedrange: true,
      },
    },
    config: CONFIG,
  };
}

/** The matrix's cells: `counts [nClasses][nClasses]` as text, tinted by the share of the row's true class. */
function matrix(counts: number[][], names: string[]): HeatmapTrace {
  const shares = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total === 0 ? 0 : round(c / total, 4)));
  });
  return {
    type: 'heatmap',
    // Colour strength as the square root of the share: a 2% confusion is still visibly tinted.
    z: shares.map((row) => row.map((s) => round(Math.sqrt(s), 3))),
    x: names,
    y: names,
    // Zero cells stay blank: the few mistakes stand out.
    text: counts.map((row) => row.map((c) => (c === 0 ? '' : String(c)))),
    customdata: counts.map((row, i) => row.map((c, j) => [c, shares[i]?.[j] ?? 0])),
    texttemplate: '%{text}',
    textfont: { size: 12 },
    hovertemplate:
      'true %{y}, predicted %{x}<br>%{customdata[0]} images (%{customdata[1]:.1%} of true %{y})<extra></extra>',
    colorscale: BLUES,
    zmin: 0,
    zmax: 1,
    showscale: false,
    xgap: 1,
    ygap: 1,
  };
}
