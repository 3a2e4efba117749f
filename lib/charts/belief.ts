/**
 * The model's belief row by row: each digit beside the class probabilities
 * after each row read. Pure: returns a figure object; showing it is
 * lib/charts/display.ts's job.
 */

import {
  BARE,
  BLUES,
  FRAME,
  NO_TICKS,
  axisPair,
  classNamesOf,
  digitHeatmap,
  oneTo,
  paper,
  rowTicks,
  samePixels,
  squareSide,
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
  type Figure,
  type Layout,
  type Trace,
} from './plotly';

/** One digit and the model's class probabilities after each row it read. */
export interface DigitBelief {
  /** [nSteps * nInputs] pixel intensities in 0…1, row-major (784 for MNIST) */
  image: Float32Array;
  label: number;
  /** [nSteps][nOutputs] softmax of the dense layer applied to every intermediate state */
  probsPerStep: number[][];
}

const DIGITS_PER_ROW = 2;
const PIXELS_PER_IMAGE_ROW = 6; // 168 px for 28 rows, so two digits side by side fit a notebook (~810 px)
const PIXELS_PER_CLASS = 14;
const IMAGE_TO_BELIEF_PX = 10;
const PAIR_GAP_PX = 55;
const ROW_GAP_PX = 70;
const VERDICT_RISE_PX = 30; // the verdict's baseline above its digit, clear of the class names over the belief

/** Where the digits go: pixel sizes of the plot area, laid out from its top left corner. */
interface Grid {
  side: number;
  perRow: number;
  imgPx: number;
  pairPx: number;
  plotW: number;
  plotH: number;
  paper: Paper;
}

/**
 * For each digit, the image beside a heatmap of the class probabilities after
 * each row read (the final dense layer applied to every intermediate state),
 * rows aligned, so one sees the belief form as the RNN reads the digit.
 * Two digits per figure row.
 *
 * @param digits at least one; images square and of one size, `probsPerStep` [nSteps][nOutputs] alike for all
 * @param classNames [nOutputs] names for the class axis; the class numbers if omitted
 */
export function beliefFigure(digits: DigitBelief[], classNames?: string[]): Figure {
  const { side, names } = checked(digits, classNames);
  const grid = gridFor(digits.length, side, names.length);
  const margin = { l: 45, r: 75, t: 100, b: 20 };
  const data: Trace[] = [];
  const annotations: Annotation[] = [];
  const layout: Layout = {
    title: {
      ...chartTitle('How the belief forms, row by row', 'the digit, and the class probabilities after each row read'),
      y: 0.985,
      yref: 'container',
      yanchor: 'top',
    },
    width: grid.plotW + margin.l + margin.r,
    height: grid.plotH + margin.t + margin.b,
    ...PAGE,
    margin,
    showlegend: false,
    hovermode: 'closest',
  };
  digits.forEach((d, i) => {
    const left = (i % grid.perRow) * (grid.pairPx + PAIR_GAP_PX);
    const top = Math.floor(i / grid.perRow) * (grid.imgPx + ROW_GAP_PX);
    data.push(...digitTraces(d, i, names, grid));
    Object.assign(layout, digitAxes(i, d.probsPerStep.length, grid, left, top));
    annotations.push(verdict(d, names, grid, left, top));
  });
  layout.annotations = annotations;
  return { data, layout, config: CONFIG };
}

/** The image side and the class names, once the digits are known to agree in shape. */
function checked(digits: DigitBelief[], classNames: string[] | undefined): { side: number; names: string[] } {
  if (digits.length === 0) throw new Error('Expected `digits` to hold at least one digit, got none');
  const side = squareSide(digits);
  const nOutputs = digits[0]?.probsPerStep[0]?.length ?? 0;
  digits.forEach((d, i) => {
    samePixels(d.image, i, side * side);
    if (d.probsPerStep.length === 0 || d.probsPerStep.some((p) => p.length !== nOutputs)) {
      throw new Error(
        `Expected \`digits[${i}].probsPerStep\` to be [nSteps][${nOutputs}], got rows of lengths ${d.probsPerStep.map((p) => p.length).join(', ') || 'none'}`,
      );
    }
  });
  return { side, names: classNamesOf(classNames, nOutputs) };
}

function gridFor(nDigits: number, side: number, nOutputs: number): Grid {
  const perRow = Math.min(DIGITS_PER_ROW, nDigits);
  const nRows = Math.ceil(nDigits / perRow);
  const imgPx = side * PIXELS_PER_IMAGE_ROW;
  const pairPx = imgPx + IMAGE_TO_BELIEF_PX + nOutputs * PIXELS_PER_CLASS;
  const plotW = perRow * pairPx + (perRow - 1) * PAIR_GAP_PX;
  const plotH = nRows * imgPx + (nRows - 1) * ROW_GAP_PX;
  return { side, perRow, imgPx, pairPx, plotW, plotH, paper: paper(plotW, plotH) };
}

/** Digit `i`'s image on axis pair `2i + 1`, its belief `[nSteps][nOutputs]` on `2i + 2`; the first carries the colour bar. */
function digitTraces(d: DigitBelief, i: number, names: string[], grid: Grid): Trace[] {
  const steps = d.probsPerStep.length;
  const image = digitHeatmap(d.image, grid.side, grid.side, {
    name: `digit ${i}`,
    hovertemplate: 'row %{y}, column %{x}<br>intensity %{z}<extra></extra>',
    axes: axisPair(2 * i + 1),
  });
  const beliefAxes = axisPair(2 * i + 2);
  return [
    image,
    {
      type: 'heatmap',
      name: `belief ${i}`,
      z: d.probsPerStep.map((p) => p.map((v) => round(v, 3))),
      x: names,
      y: oneTo(steps),
      colorscale: BLUES,
      zmin: 0,
      zmax: 1,
      xgap: 1,
      showscale: i === 0,
      colorbar: {
        title: { text: 'probability', font: { size: 12 } },
        thickness: 12,
        len: Math.min(1, grid.imgPx / grid.plotH),
        y: 1,
        yanchor: 'top',
        x: 1.02,
        tickformat: '.0%',
      },
      hovertemplate: 'after row %{y}<br>class %{x}: %{z:.1%}<extra></extra>',
      xaxis: beliefAxes.x,
      yaxis: beliefAxes.y,
    },
  ];
}

/** The axes of digit `i`, its pair's top left corner at (`left`, `top`) px: the framed image, then the belief, class names on top. */
function digitAxes(i: number, steps: number, grid: Grid, left: number, top: number): Layout {
  const { side, imgPx, pairPx, paper: at } = grid;
  const image = axisPair(2 * i + 1);
  const belief = axisPair(2 * i + 2);
  const yDomain: [number, number] = [at.y(top + imgPx), at.y(top)];
  return {
    [image.xaxis]: {
      ...FRAME,
      ...BARE,
      domain: [at.x(left), at.x(left + imgPx)],
      anchor: image.y,
      range: [-0.5, side - 0.5],
      ...NO_TICKS,
    },
    [image.yaxis]: {
      ...FRAME,
      ...BARE,
      domain: yDomain,
      anchor: image.x,
      range: [side + 0.5, 0.5],
      ticks: 'outside',
      tickmode: 'array',
      tickvals: rowTicks(side),
      tickfont: { size: 10, color: MUTED },
      title: { text: 'row', font: { size: 11, color: MUTED }, standoff: 2 },
    },
    [belief.xaxis]: {
      domain: [at.x(left + imgPx + IMAGE_TO_BELIEF_PX), at.x(left + pairPx)],
      anchor: belief.y,
      type: 'category',
      side: 'top',
      tickfont: { size: 10, color: MUTED },
      ticks: '',
      showgrid: false,
      fixedrange: true,
    },
    [belief.yaxis]: { domain: yDomain, anchor: belief.x, range: [steps + 0.5, 0.5], ...NO_TICKS, ...BARE },
  };
}

const argmax = (values: number[]): number =>
  values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);

/** Above the digit: its true class and the one predicted after the last row, green when right, red when wrong. */
function verdict(d: DigitBelief, names: string[], grid: Grid, left: number, top: number): Annotation {
  const final = d.probsPerStep[d.probsPerStep.length - 1] ?? [];
  const predicted = argmax(final);
  const ok = predicted === d.label;
  return {
    text: `true <b>${names[d.label] ?? d.label}</b> · predicted <b style="color:${ok ? '#2f855a' : '#c53030'}">${names[predicted]}</b> (${Math.round((final[predicted] ?? 0) * 100)}%)`,
    x: grid.paper.x(left),
    y: round(1 - top / grid.plotH + VERDICT_RISE_PX / grid.plotH, 4),
    xref: 'paper',
    yref: 'paper',
    xanchor: 'left',
    yanchor: 'bottom',
    showarrow: false,
    font: { ...FONT, size: 13 },
  };
}
