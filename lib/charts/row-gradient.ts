/**
 * How much of the loss's gradient reaches each row's state, before and after
 * training, with a few digits' rows under the row axis. Pure: returns a figure
 * object; showing it is lib/charts/display.ts's job.
 */

import { positiveInteger } from '../checks';
import {
  AXIS_LINE,
  BARE,
  FRAME,
  GRID,
  INK,
  NO_TICKS,
  axisPair,
  digitHeatmap,
  imageRows,
  oneTo,
  paper,
  rowLength,
  rowTicks,
  type Paper,
} from './parts';
import {
  CONFIG,
  FONT,
  MUTED,
  PAGE,
  chartTitle,
  round,
  type Annotation,
  type Axis,
  type Dash,
  type Figure,
  type Layout,
  type ScatterTrace,
  type Trace,
} from './plotly';

/** What `rowGradientFigure` plots: lib/model/row-gradients.ts's mean norms, before and after training. */
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
const AFTER_COLOR = '#2b6cb0';
const PIXELS_PER_ROW = 20; // along the row axis
const THUMB_GAP_PX = 10;
const MAIN_PX = 300;
const AXIS_PX = 72; // the row axis's ticks, its title and the strips' caption
const STRIP_GAP_PX = 4;

/** Pixel sizes of the plot area, from its top left corner: the digits' thumbnails left of the curves and strips. */
interface Grid {
  nSteps: number;
  nInputs: number;
  /** one screen pixel per image pixel: 28 px, still legible */
  thumbPx: number;
  leftPx: number;
  plotW: number;
  plotH: number;
  paper: Paper;
}

/**
 * The mean norm of the loss's gradient at each row's state, on a log scale,
 * for the freshly initialised and the trained model. Under the row axis, for
 * a few digits, the image (small, upright) and the ink in each of its rows,
 * aligned with the axis, so one sees which rows carry strokes.
 */
export function rowGradientFigure(chart: RowGradientChart): Figure {
  const { before, after, digits } = chart;
  const nInputs = checked(chart);
  const grid = gridFor(before.length, nInputs, digits.length);
  const margin = { l: 70, r: 20, t: 70, b: digits.length > 0 ? 10 : 50 };
  const data: Trace[] = curves(before, after);
  const layout: Layout = {
    title: chartTitle(
      "How much of the loss's gradient reaches each row",
      `mean ‖∂loss/∂h<sub>t</sub>‖ over ${chart.nExamples} test digits`,
    ),
    width: grid.plotW + margin.l + margin.r,
    height: grid.plotH + margin.t + margin.b,
    ...PAGE,
    margin,
    hovermode: 'closest',
    showlegend: true,
    legend: { x: 0.5, y: 1, xanchor: 'left', yanchor: 'top', bgcolor: 'rgba(255,255,255,0.85)' },
    ...mainAxes(before, after, grid),
  };
  digits.forEach((d, i) => {
    const strip = digitStrip(d, i, grid);
    data.push(...strip.data);
    Object.assign(layout, strip.axes);
  });
  layout.annotations = digits.length > 0 ? [caption(grid)] : [];
  return { data, layout, config: CONFIG };
}

/** The pixels per image row, once `chart`'s values fit a log axis and its digits hold nSteps rows each. */
function checked(chart: RowGradientChart): number {
  const { before, after } = chart;
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
  return rowLength(chart.digits, nSteps);
}

function gridFor(nSteps: number, nInputs: number, nDigits: number): Grid {
  const thumbPx = nSteps;
  const stripsPx = nDigits * thumbPx + Math.max(0, nDigits - 1) * STRIP_GAP_PX;
  const leftPx = thumbPx + THUMB_GAP_PX;
  const plotW = leftPx + nSteps * PIXELS_PER_ROW;
  const plotH = MAIN_PX + (nDigits > 0 ? AXIS_PX + stripsPx : 0);
  return { nSteps, nInputs, thumbPx, leftPx, plotW, plotH, paper: paper(plotW, plotH) };
}

/** The two curves, `before` dashed and grey, `after` solid, against rows 1 … nSteps; values to 4 significant digits. */
function curves(before: number[], after: number[]): ScatterTrace[] {
  const rows = oneTo(before.length);
  const line = (name: string, values: number[], color: string, dash: Dash, symbol: string): ScatterTrace => ({
    type: 'scatter',
    name,
    mode: 'lines+markers',
    x: rows,
    y: values.map((v) => Number(v.toPrecision(4))),
    line: { width: 2.5, color, dash },
    marker: { size: 6, symbol, color },
    hovertemplate: `row %{x}<br>${name}: %{y:.3g}<extra></extra>`,
  });
  return [
    line('freshly initialised', before, BEFORE_COLOR, 'dash', 'circle'),
    line('trained', after, AFTER_COLOR, 'solid', 'diamond'),
  ];
}

/** 1, 2 and 5 times each power of ten between 10^low and 10^high. */
const logTicks = (low: number, high: number): number[] =>
  [...Array(Math.ceil(high) - Math.floor(low) + 1).keys()]
    .flatMap((i) => [1, 2, 5].map((m) => Number((m * 10 ** (Math.floor(low) + i)).toPrecision(1))))
    .filter((v) => Math.log10(v) >= low - 1e-9 && Math.log10(v) <= high + 1e-9);

/** The row axis under the curves, and the log axis of the norms, in half decades round the values. */
function mainAxes(before: number[], after: number[], grid: Grid): Pick<Layout, 'xaxis' | 'yaxis'> {
  const { nSteps, paper: at } = grid;
  const all = [...before, ...after];
  const low = Math.floor(Math.log10(Math.min(...all)) * 2) / 2;
  const high = Math.ceil(Math.log10(Math.max(...all)) * 2) / 2;
  return {
    xaxis: {
      domain: [at.x(grid.leftPx), 1],
      anchor: 'y',
      range: [0.5, nSteps + 0.5],
      tickmode: 'array',
      tickvals: rowTicks(nSteps),
      title: {
        text: `row (read from top to bottom; the loss comes after row ${nSteps})`,
        font: { size: 12, color: MUTED },
        standoff: 4,
      },
      ticks: 'outside',
      zeroline: false,
      showgrid: false,
      showline: true,
      linecolor: AXIS_LINE,
      fixedrange: true,
    },
    yaxis: {
      domain: [at.y(MAIN_PX), 1],
      anchor: 'x',
      type: 'log',
      range: [low, high],
      tickmode: 'array',
      // 1, 2, 5 in every decade the range covers: plain numbers rather than powers of ten.
      tickvals: logTicks(low, high),
      tickformat: '~g',
      title: { text: 'gradient norm (log scale)' },
      gridcolor: GRID,
      showline: true,
      linecolor: AXIS_LINE,
      zeroline: false,
      fixedrange: true,
    },
  };
}

/**
 * Digit `i` under the row axis: its thumbnail upright on axis pair `2i + 2`, and on `2i + 3`
 * the mean ink of each of its rows, a strip that shares the row axis's domain and range.
 */
function digitStrip(d: { image: Float32Array; label: number }, i: number, grid: Grid): { data: Trace[]; axes: Layout } {
  const { nSteps, nInputs, thumbPx, paper: at } = grid;
  const top = MAIN_PX + AXIS_PX + i * (thumbPx + STRIP_GAP_PX);
  const yDomain: [number, number] = [at.y(top + thumbPx), at.y(top)];
  const thumb = axisPair(2 * i + 2);
  const strip = axisPair(2 * i + 3);
  const ink = imageRows(d.image, nSteps, nInputs).map((row) => round(row.reduce((a, b) => a + b, 0) / nInputs, 3));
  const framed: Axis = { ...NO_TICKS, ...BARE, ...FRAME };
  const data: Trace[] = [
    digitHeatmap(d.image, nSteps, nInputs, {
      name: `digit ${i}`,
      hovertemplate: `a ${d.label}: row %{y}, column %{x}<br>intensity %{z}<extra></extra>`,
      axes: thumb,
    }),
    {
      type: 'heatmap',
      name: `ink ${i}`,
      z: [ink],
      x: oneTo(nSteps),
      y: [d.label],
      colorscale: INK,
      zmin: 0,
      // A row crossed by one stroke is about a quarter inked; darker than that is saturated.
      zmax: 0.4,
      showscale: false,
      xgap: 1,
      hovertemplate: `a ${d.label}: row %{x}<br>mean intensity %{z:.2f}<extra></extra>`,
      xaxis: strip.x,
      yaxis: strip.y,
    },
  ];
  const axes: Layout = {
    [thumb.xaxis]: { ...framed, domain: [0, at.x(thumbPx)], anchor: thumb.y, range: [-0.5, nInputs - 0.5] },
    [thumb.yaxis]: { ...framed, domain: yDomain, anchor: thumb.x, range: [nSteps + 0.5, 0.5] },
    [strip.xaxis]: { ...framed, domain: [at.x(grid.leftPx), 1], anchor: strip.y, range: [0.5, nSteps + 0.5] },
    [strip.yaxis]: { ...framed, domain: yDomain, anchor: strip.x, type: 'category' },
  };
  return { data, axes };
}

/** The strips' caption, between the row axis's title and the first strip. */
function caption(grid: Grid): Annotation {
  return {
    text: 'a few test digits, and the ink in each of their rows',
    x: grid.paper.x(grid.leftPx),
    y: grid.paper.y(MAIN_PX + AXIS_PX - 4),
    xref: 'paper',
    yref: 'paper',
    xanchor: 'left',
    yanchor: 'bottom',
    showarrow: false,
    font: { ...FONT, size: 12, color: MUTED },
  };
}
