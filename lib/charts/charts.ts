/**
 * Plotly figures for training and evaluation: accuracy per epoch, the model's
 * belief row by row, and a confusion matrix.
 *
 * Pure functions that return plain figure objects (`{ data, layout, config }`);
 * showing them is lib/display.ts's job. Numbers are rounded so that the stored
 * notebook stays small and re-runs give stable diffs.
 */

import { positiveInteger } from '../checks';
import type { EpochResult } from '../train/train';
import {
  CONFIG,
  FONT,
  MUTED,
  PAGE,
  chartTitle,
  round,
  type Annotation,
  type Axis,
  type Colorscale,
  type Figure,
  type Layout,
  type ScatterTrace,
  type Trace,
} from './plotly';

const TRAIN_COLOR = '#d9822b';
const TEST_COLOR = '#2b6cb0';
const INK: Colorscale = [
  [0, '#ffffff'],
  [1, '#111111'],
];
const BLUES: Colorscale = [
  [0, '#f7fbff'],
  [0.25, '#c6dbef'],
  [0.5, '#6baed6'],
  [0.75, '#2171b5'],
  [1, '#08306b'],
];

// ---------------------------------------------------------------------------
// Accuracy per epoch.

/**
 * Train and test accuracy per epoch. The x axis is fixed to `0 … nEpochs - 1`
 * so that a live chart fills in from the left as epochs finish.
 */
export function accuracyFigure(history: EpochResult[], nEpochs: number): Figure {
  positiveInteger('nEpochs', nEpochs);
  for (const h of history) {
    if (!Number.isInteger(h.epoch) || h.epoch < 0 || h.epoch >= nEpochs) {
      throw new Error(`Expected \`history[].epoch\` to be an integer in 0 … ${nEpochs - 1}, got ${h.epoch}`);
    }
  }
  const epochs = history.map((h) => h.epoch);
  const series = (name: string, values: number[], color: string, symbol: string): ScatterTrace => ({
    type: 'scatter',
    name,
    mode: 'lines+markers',
    x: epochs,
    y: values.map((v) => round(v, 4)),
    line: { width: 2.5, color },
    marker: { size: 9, symbol, color },
    hovertemplate: `epoch %{x}<br>${name.toLowerCase()}: %{y:.3f}<extra></extra>`,
  });
  const all = history.flatMap((h) => [h.accTrain, h.accTest]);
  // Start the y axis at a round number below the lowest point, at most 0.9, so early epochs don't rescale it.
  const low = Math.min(0.9, ...all.map((v) => Math.floor((v - 0.01) * 20) / 20));
  const done = history.length;
  return {
    data: [
      series(
        'Train accuracy',
        history.map((h) => h.accTrain),
        TRAIN_COLOR,
        'circle',
      ),
      series(
        'Test accuracy',
        history.map((h) => h.accTest),
        TEST_COLOR,
        'diamond',
      ),
    ],
    layout: {
      title: chartTitle('Accuracy per epoch', `${done} of ${nEpochs}`),
      width: 700,
      height: 380,
      ...PAGE,
      margin: { l: 70, r: 20, t: 60, b: 55 },
      hovermode: 'closest',
      showlegend: true,
      legend: { x: 1, y: 0.02, xanchor: 'right', yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0.85)' },
      xaxis: {
        title: { text: 'epoch' },
        range: [-0.25, nEpochs - 0.75],
        tickmode: 'linear',
        tick0: 0,
        dtick: 1,
        zeroline: false,
        showgrid: false,
        showline: true,
        linecolor: '#9ca3af',
        ticks: 'outside',
        fixedrange: true,
      },
      yaxis: {
        title: { text: 'accuracy' },
        range: [round(low, 2), 1.005],
        tickformat: '.2f',
        zeroline: false,
        gridcolor: '#eceff3',
        showline: true,
        linecolor: '#9ca3af',
        fixedrange: true,
      },
    },
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------
// Belief row by row.

/** One digit and the model's class probabilities after each row it read. */
export interface DigitBelief {
  /** [nSteps * nInputs] pixel intensities in 0…1, row-major (784 for MNIST) */
  image: Float32Array;
  label: number;
  /** [nSteps][nOutputs] softmax of the dense layer applied to every intermediate state */
  probsPerStep: number[][];
}

const argmax = (values: number[]): number =>
  values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);

/**
 * For each digit, the image beside a heatmap of the class probabilities after
 * each row read (the final dense layer applied to every intermediate state),
 * rows aligned, so one sees the belief form as the RNN reads the digit.
 * Two digits per figure row.
 */
export function beliefFigure(digits: DigitBelief[], classNames?: string[]): Figure {
  if (digits.length === 0) throw new Error('Expected `digits` to hold at least one digit, got none');
  const side = Math.sqrt(digits[0]?.image.length ?? 0);
  if (!Number.isInteger(side)) {
    throw new Error(
      `Expected \`digits[0].image\` to be a square image (e.g. 784 = 28x28 pixels), got ${digits[0]?.image.length} pixels`,
    );
  }
  const nOutputs = digits[0]?.probsPerStep[0]?.length ?? 0;
  const names = classNames ?? [...Array(nOutputs).keys()].map(String);
  digits.forEach((d, i) => {
    if (d.image.length !== side * side) {
      throw new Error(`Expected \`digits[${i}].image\` to have ${side * side} pixels, got ${d.image.length}`);
    }
    if (d.probsPerStep.length === 0 || d.probsPerStep.some((p) => p.length !== nOutputs)) {
      throw new Error(
        `Expected \`digits[${i}].probsPerStep\` to be [nSteps][${nOutputs}], got rows of lengths ${d.probsPerStep.map((p) => p.length).join(', ') || 'none'}`,
      );
    }
  });
  if (names.length !== nOutputs) {
    throw new Error(`Expected \`classNames\` to have ${nOutputs} names, got ${names.length}`);
  }

  const perRow = Math.min(2, digits.length);
  const nRows = Math.ceil(digits.length / perRow);
  const cell = 6; // pixels per image row: 168 px for 28 rows, so two digits side by side fit a notebook (~810 px)
  const imgPx = side * cell;
  const probPx = nOutputs * 14;
  const gapPx = 10;
  const pairGapPx = 55;
  const rowGapPx = 70;
  const margin = { l: 45, r: 75, t: 100, b: 20 };
  const pairPx = imgPx + gapPx + probPx;
  const plotW = perRow * pairPx + (perRow - 1) * pairGapPx;
  const plotH = nRows * imgPx + (nRows - 1) * rowGapPx;

  const data: Trace[] = [];
  const annotations: Annotation[] = [];
  const layout: Layout = {
    title: {
      ...chartTitle('How the belief forms, row by row', 'the digit, and the class probabilities after each row read'),
      y: 0.985,
      yref: 'container',
      yanchor: 'top',
    },
    width: plotW + margin.l + margin.r,
    height: plotH + margin.t + margin.b,
    ...PAGE,
    margin,
    showlegend: false,
    hovermode: 'closest',
  };
  const rows = [...Array(side).keys()].map((r) => r + 1);

  digits.forEach((d, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    const left = col * (pairPx + pairGapPx);
    const top = row * (imgPx + rowGapPx);
    const xd = (px: number): number => round(px / plotW, 4);
    const yd = (px: number): number => round(1 - px / plotH, 4);
    const imgAxis = 2 * i + 1;
    const probAxis = 2 * i + 2;
    const ax = (n: number): string => (n === 1 ? '' : String(n));

    const z: number[][] = [];
    for (let r = 0; r < side; r++) {
      z.push(Array.from(d.image.subarray(r * side, (r + 1) * side), (v) => round(v, 2)));
    }
    data.push({
      type: 'heatmap',
      name: `digit ${i}`,
      z,
      y: rows,
      colorscale: INK,
      zmin: 0,
      zmax: 1,
      showscale: false,
      hovertemplate: 'row %{y}, column %{x}<br>intensity %{z}<extra></extra>',
      xaxis: `x${ax(imgAxis)}`,
      yaxis: `y${ax(imgAxis)}`,
    });
    const steps = d.probsPerStep.length;
    data.push({
      type: 'heatmap',
      name: `belief ${i}`,
      z: d.probsPerStep.map((p) => p.map((v) => round(v, 3))),
      x: names,
      y: [...Array(steps).keys()].map((s) => s + 1),
      colorscale: BLUES,
      zmin: 0,
      zmax: 1,
      xgap: 1,
      showscale: i === 0,
      colorbar: {
        title: { text: 'probability', font: { size: 12 } },
        thickness: 12,
        len: Math.min(1, imgPx / plotH),
        y: 1,
        yanchor: 'top',
        x: 1.02,
        tickformat: '.0%',
      },
      hovertemplate: 'after row %{y}<br>class %{x}: %{z:.1%}<extra></extra>',
      xaxis: `x${ax(probAxis)}`,
      yaxis: `y${ax(probAxis)}`,
    });
    const yDomain: [number, number] = [yd(top + imgPx), yd(top)];
    const frame: Axis = {
      showline: true,
      mirror: true,
      linecolor: '#d1d5db',
      showgrid: false,
      zeroline: false,
      fixedrange: true,
    };
    layout[`xaxis${ax(imgAxis)}`] = {
      ...frame,
      domain: [xd(left), xd(left + imgPx)],
      anchor: `y${ax(imgAxis)}`,
      range: [-0.5, side - 0.5],
      showticklabels: false,
      ticks: '',
    };
    layout[`yaxis${ax(imgAxis)}`] = {
      ...frame,
      domain: yDomain,
      anchor: `x${ax(imgAxis)}`,
      range: [side + 0.5, 0.5],
      ticks: 'outside',
      tickmode: 'array',
      tickvals: [1, 7, 14, 21, 28].filter((v) => v <= side),
      tickfont: { size: 10, color: MUTED },
      title: { text: 'row', font: { size: 11, color: MUTED }, standoff: 2 },
      fixedrange: true,
    };
    layout[`xaxis${ax(probAxis)}`] = {
      domain: [xd(left + imgPx + gapPx), xd(left + pairPx)],
      anchor: `y${ax(probAxis)}`,
      type: 'category',
      side: 'top',
      tickfont: { size: 10, color: MUTED },
      ticks: '',
      showgrid: false,
      fixedrange: true,
    };
    layout[`yaxis${ax(probAxis)}`] = {
      domain: yDomain,
      anchor: `x${ax(probAxis)}`,
      range: [steps + 0.5, 0.5],
      showticklabels: false,
      ticks: '',
      showgrid: false,
      zeroline: false,
      fixedrange: true,
    };
    const final = d.probsPerStep[steps - 1] ?? [];
    const predicted = argmax(final);
    const ok = predicted === d.label;
    annotations.push({
      text: `true <b>${names[d.label] ?? d.label}</b> · predicted <b style="color:${ok ? '#2f855a' : '#c53030'}">${names[predicted]}</b> (${Math.round((final[predicted] ?? 0) * 100)}%)`,
      x: xd(left),
      y: round(1 - top / plotH + 30 / plotH, 4),
      xref: 'paper',
      yref: 'paper',
      xanchor: 'left',
      yanchor: 'bottom',
      showarrow: false,
      font: { ...FONT, size: 13 },
    });
  });
  layout.annotations = annotations;
  return { data, layout, config: CONFIG };
}

// ---------------------------------------------------------------------------
// Confusion matrix.

/** Counts of (true class, predicted class) pairs. @returns [nClasses][nClasses], true class first */
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
 */
export function confusionFigure(
  labels: Int32Array,
  predictions: Int32Array,
  nClasses = 10,
  classNames?: string[],
): Figure {
  const counts = confusionCounts(labels, predictions, nClasses);
  const names = classNames ?? [...Array(nClasses).keys()].map(String);
  if (names.length !== nClasses) {
    throw new Error(`Expected \`classNames\` to have ${nClasses} names, got ${names.length}`);
  }
  const shares = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total === 0 ? 0 : round(c / total, 4)));
  });
  // Colour strength as the square root of the share: a 2% confusion is still visibly tinted.
  const tint = shares.map((row) => row.map((s) => round(Math.sqrt(s), 3)));
  const correct = counts.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
  const n = labels.length;
  const side = Math.max(360, nClasses * 46);
  const margin = { l: 90, r: 30, t: 90, b: 70 };
  return {
    data: [
      {
        type: 'heatmap',
        z: tint,
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
      },
    ],
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

// ---------------------------------------------------------------------------
// Gradient per row.

/** What `rowGradientFigure` plots: lib/row-gradients.ts's mean norms, before and after training. */
export interface RowGradientChart {
  /** [nSteps] mean ‖d loss / d h_t‖ with the freshly initialised weights, all > 0 */
  before: number[];
  /** [nSteps] the same with the trained weights, all > 0 */
  after: number[];
  /** Test digits the means are over, for the title. */
  nExamples: number;
  /** A few digits whose rows are drawn under the row axis: image [nSteps * nInputs] in 0…1, row-major. */
  digits: { image: Float32Array; label: number }[];
}

const BEFORE_COLOR = '#9ca3af';
/** 1, 2 and 5 times each power of ten between 10^low and 10^high. */
const logTicks = (low: number, high: number): number[] =>
  [...Array(Math.ceil(high) - Math.floor(low) + 1).keys()]
    .flatMap((i) => [1, 2, 5].map((m) => Number((m * 10 ** (Math.floor(low) + i)).toPrecision(1))))
    .filter((v) => Math.log10(v) >= low - 1e-9 && Math.log10(v) <= high + 1e-9);
const AFTER_COLOR = '#2b6cb0';

/**
 * The mean norm of the loss's gradient at each row's state, on a log scale,
 * for the freshly initialised and the trained model. Under the row axis, for
 * a few digits, the image (small, upright) and the ink in each of its rows,
 * aligned with the axis, so one sees which rows carry strokes.
 */
export function rowGradientFigure(chart: RowGradientChart): Figure {
  const { before, after, digits } = chart;
  const nSteps = before.length;
  if (nSteps === 0) throw new Error('Expected `before` to hold one value per row, got none');
  if (after.length !== nSteps)
    throw new Error(`Expected \`after\` to hold ${nSteps} values, like \`before\`, got ${after.length}`);
  for (const [name, values] of [
    ['before', before],
    ['after', after],
  ] as const) {
    const bad = values.findIndex((v) => !(Number.isFinite(v) && v > 0));
    if (bad >= 0)
      throw new Error(
        `Expected \`${name}\` to hold positive numbers (a log axis), got ${values[bad]} at row ${bad + 1}`,
      );
  }
  positiveInteger('nExamples', chart.nExamples);
  const nInputs = (digits[0]?.image.length ?? 0) / nSteps;
  digits.forEach((d, i) => {
    if (d.image.length !== nSteps * nInputs || !Number.isInteger(nInputs) || nInputs === 0) {
      throw new Error(
        `Expected \`digits[${i}].image\` to hold ${nSteps} rows of ${Number.isInteger(nInputs) && nInputs > 0 ? nInputs : 'equal length'} pixels, got ${d.image.length} pixels`,
      );
    }
  });

  const pitch = 20; // pixels per row along the row axis
  const thumbPx = nSteps; // one screen pixel per image pixel: 28 px, still legible
  const thumbGapPx = 10;
  const mainPx = 300;
  const axisPx = 72; // the row axis's ticks, its title and the strips' caption
  const stripGapPx = 4;
  const stripsPx = digits.length * thumbPx + Math.max(0, digits.length - 1) * stripGapPx;
  const leftPx = thumbPx + thumbGapPx;
  const plotW = leftPx + nSteps * pitch;
  const plotH = mainPx + (digits.length > 0 ? axisPx + stripsPx : 0);
  const margin = { l: 70, r: 20, t: 70, b: digits.length > 0 ? 10 : 50 };
  const xd = (px: number): number => round(px / plotW, 4);
  const yd = (px: number): number => round(1 - px / plotH, 4);
  const rows = [...Array(nSteps).keys()].map((t) => t + 1);
  const rowRange: [number, number] = [0.5, nSteps + 0.5];

  const line = (name: string, values: number[], color: string, dash: string, symbol: string): ScatterTrace => ({
    type: 'scatter',
    name,
    mode: 'lines+markers',
    x: rows,
    y: values.map((v) => Number(v.toPrecision(4))),
    line: { width: 2.5, color, dash },
    marker: { size: 6, symbol, color },
    hovertemplate: `row %{x}<br>${name}: %{y:.3g}<extra></extra>`,
  });
  const data: Trace[] = [
    line('freshly initialised', before, BEFORE_COLOR, 'dash', 'circle'),
    line('trained', after, AFTER_COLOR, 'solid', 'diamond'),
  ];
  const all = [...before, ...after];
  const low = Math.floor(Math.log10(Math.min(...all)) * 2) / 2;
  const high = Math.ceil(Math.log10(Math.max(...all)) * 2) / 2;
  const layout: Layout = {
    title: chartTitle(
      "How much of the loss's gradient reaches each row",
      `mean ‖∂loss/∂h<sub>t</sub>‖ over ${chart.nExamples} test digits`,
    ),
    width: plotW + margin.l + margin.r,
    height: plotH + margin.t + margin.b,
    ...PAGE,
    margin,
    hovermode: 'closest',
    showlegend: true,
    legend: { x: 0.5, y: 1, xanchor: 'left', yanchor: 'top', bgcolor: 'rgba(255,255,255,0.85)' },
    xaxis: {
      domain: [xd(leftPx), 1],
      anchor: 'y',
      range: rowRange,
      tickmode: 'array',
      tickvals: [1, 7, 14, 21, 28].filter((v) => v <= nSteps),
      title: {
        text: `row (read from top to bottom; the loss comes after row ${nSteps})`,
        font: { size: 12, color: MUTED },
        standoff: 4,
      },
      ticks: 'outside',
      zeroline: false,
      showgrid: false,
      showline: true,
      linecolor: '#9ca3af',
      fixedrange: true,
    },
    yaxis: {
      domain: [yd(mainPx), 1],
      anchor: 'x',
      type: 'log',
      range: [low, high],
      tickmode: 'array',
      // 1, 2, 5 in every decade the range covers: plain numbers rather than powers of ten.
      tickvals: logTicks(low, high),
      tickformat: '~g',
      title: { text: 'gradient norm (log scale)' },
      gridcolor: '#eceff3',
      showline: true,
      linecolor: '#9ca3af',
      zeroline: false,
      fixedrange: true,
    },
  };
  const annotations: Annotation[] = [];

  digits.forEach((d, i) => {
    const top = mainPx + axisPx + i * (thumbPx + stripGapPx);
    const yDomain: [number, number] = [yd(top + thumbPx), yd(top)];
    const thumbAxis = 2 * i + 2;
    const stripAxis = 2 * i + 3;
    const pixels: number[][] = [];
    const ink: number[] = [];
    for (let r = 0; r < nSteps; r++) {
      const row = d.image.subarray(r * nInputs, (r + 1) * nInputs);
      pixels.push(Array.from(row, (v) => round(v, 2)));
      ink.push(round(row.reduce((a, b) => a + b, 0) / nInputs, 3));
    }
    data.push({
      type: 'heatmap',
      name: `digit ${i}`,
      z: pixels,
      y: rows,
      colorscale: INK,
      zmin: 0,
      zmax: 1,
      showscale: false,
      hovertemplate: `a ${d.label}: row %{y}, column %{x}<br>intensity %{z}<extra></extra>`,
      xaxis: `x${thumbAxis}`,
      yaxis: `y${thumbAxis}`,
    });
    data.push({
      type: 'heatmap',
      name: `ink ${i}`,
      z: [ink],
      x: rows,
      y: [d.label],
      colorscale: INK,
      zmin: 0,
      // A row crossed by one stroke is about a quarter inked; darker than that is saturated.
      zmax: 0.4,
      showscale: false,
      xgap: 1,
      hovertemplate: `a ${d.label}: row %{x}<br>mean intensity %{z:.2f}<extra></extra>`,
      xaxis: `x${stripAxis}`,
      yaxis: `y${stripAxis}`,
    });
    const hidden: Axis = { showticklabels: false, ticks: '', showgrid: false, zeroline: false, fixedrange: true };
    const frame = { showline: true, mirror: true, linecolor: '#d1d5db' } as const;
    layout[`xaxis${thumbAxis}`] = {
      ...hidden,
      ...frame,
      domain: [0, xd(thumbPx)],
      anchor: `y${thumbAxis}`,
      range: [-0.5, nInputs - 0.5],
    };
    layout[`yaxis${thumbAxis}`] = {
      ...hidden,
      ...frame,
      domain: yDomain,
      anchor: `x${thumbAxis}`,
      range: [nSteps + 0.5, 0.5],
    };
    layout[`xaxis${stripAxis}`] = {
      ...hidden,
      ...frame,
      domain: [xd(leftPx), 1],
      anchor: `y${stripAxis}`,
      range: rowRange,
    };
    layout[`yaxis${stripAxis}`] = { ...hidden, ...frame, domain: yDomain, anchor: `x${stripAxis}`, type: 'category' };
  });
  if (digits.length > 0) {
    annotations.push({
      text: 'a few test digits, and the ink in each of their rows',
      x: xd(leftPx),
      y: yd(mainPx + axisPx - 4),
      xref: 'paper',
      yref: 'paper',
      xanchor: 'left',
      yanchor: 'bottom',
      showarrow: false,
      font: { ...FONT, size: 12, color: MUTED },
    });
  }
  layout.annotations = annotations;
  return { data, layout, config: CONFIG };
}
