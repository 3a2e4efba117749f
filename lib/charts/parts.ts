/**
 * Parts that several figures share: the colours and colour scales, a digit
 * drawn as a heatmap with its row ticks, pixel-to-paper coordinates, the axis
 * styles and names, and the checks on lists of digits.
 */

import { round, type Axis, type Colorscale, type HeatmapTrace, type XAxisName, type YAxisName } from './plotly';

// ---------------------------------------------------------------------------
// Colours.

/** White paper to black ink: digit pixels, and the ink in each of a digit's rows. */
export const INK: Colorscale = [
  [0, '#ffffff'],
  [1, '#111111'],
];
/** White to dark blue: probabilities and shares in 0 … 1. */
export const BLUES: Colorscale = [
  [0, '#f7fbff'],
  [0.25, '#c6dbef'],
  [0.5, '#6baed6'],
  [0.75, '#2171b5'],
  [1, '#08306b'],
];
/** The line of a plot's main axes. */
export const AXIS_LINE = '#9ca3af';
/** Grid lines, light enough to stay behind the data. */
export const GRID = '#eceff3';

// ---------------------------------------------------------------------------
// Axes.

/** A thin frame round a small plot (a digit, a strip of rows). */
export const FRAME = { showline: true, mirror: true, linecolor: '#d1d5db' } as const satisfies Axis;
/** No grid, no zero line, no zooming: the look of every small plot beside a digit. */
export const BARE = { showgrid: false, zeroline: false, fixedrange: true } as const satisfies Axis;
/** No tick marks and no tick labels. */
export const NO_TICKS = { showticklabels: false, ticks: '' } as const satisfies Axis;

/** The names of one x/y axis pair: the traces' `x2`, `y2`, … and the layout's `xaxis2`, `yaxis2`, …. */
export interface AxisPair {
  x: XAxisName;
  y: YAxisName;
  xaxis: `xaxis${string}`;
  yaxis: `yaxis${string}`;
}

/** The names of the `n`-th axis pair, 1-based; Plotly calls the first one `x`/`y`, without a number. */
export function axisPair(n: number): AxisPair {
  const suffix = n === 1 ? '' : String(n);
  // A number known only when run: Plotly's types spell out x, x2 … x99, which TypeScript cannot check here.
  return {
    x: `x${suffix}` as XAxisName,
    y: `y${suffix}` as YAxisName,
    xaxis: `xaxis${suffix}`,
    yaxis: `yaxis${suffix}`,
  };
}

/** Where a plot area's pixels fall in Plotly's paper coordinates. */
export interface Paper {
  /** Pixels from the plot area's left edge → paper x in 0 … 1. */
  x(px: number): number;
  /** Pixels from the plot area's top edge → paper y in 0 … 1, which Plotly counts from the bottom. */
  y(px: number): number;
}

/** Paper coordinates for a plot area of `widthPx` by `heightPx`, rounded to 4 decimals (0.1 px on 1000 px). */
export function paper(widthPx: number, heightPx: number): Paper {
  return { x: (px) => round(px / widthPx, 4), y: (px) => round(1 - px / heightPx, 4) };
}

// ---------------------------------------------------------------------------
// Digits.

/** `1 … n`: the numbers of the image rows (and time steps) as the axes show them. */
export function oneTo(n: number): number[] {
  return [...Array(n).keys()].map((i) => i + 1);
}

/** Ticks on an axis of `nRows` rows: row 1, then every 7th row up to MNIST's 28. */
export function rowTicks(nRows: number): number[] {
  return [1, 7, 14, 21, 28].filter((v) => v <= nRows);
}

/** The rows of `image [nRows * rowLength]`, row-major, as views into it. */
export function imageRows(image: Float32Array, nRows: number, rowLength: number): Float32Array[] {
  return [...Array(nRows).keys()].map((r) => image.subarray(r * rowLength, (r + 1) * rowLength));
}

/**
 * A digit as a heatmap, upright (row 1 on `y` = 1, for an axis with a reversed range):
 * `image [nRows * rowLength]` in 0 … 1, row-major, pixels rounded to 2 decimals.
 */
export function digitHeatmap(
  image: Float32Array,
  nRows: number,
  rowLength: number,
  trace: { name: string; hovertemplate: string; axes: AxisPair },
): HeatmapTrace {
  return {
    type: 'heatmap',
    name: trace.name,
    z: imageRows(image, nRows, rowLength).map((row) => Array.from(row, (v) => round(v, 2))),
    y: oneTo(nRows),
    colorscale: INK,
    zmin: 0,
    zmax: 1,
    showscale: false,
    hovertemplate: trace.hovertemplate,
    xaxis: trace.axes.x,
    yaxis: trace.axes.y,
  };
}

// ---------------------------------------------------------------------------
// Checks on lists of digits: each throws "Expected `digits[i].image` to …", naming the first digit at fault.

/** The side of the first digit's image, which must be square: `image [side * side]`. */
export function squareSide(digits: { image: Float32Array }[]): number {
  const side = Math.sqrt(digits[0]?.image.length ?? 0);
  if (!Number.isInteger(side)) {
    throw new Error(
      `Expected \`digits[0].image\` to be a square image (e.g. 784 = 28x28 pixels), got ${digits[0]?.image.length} pixels`,
    );
  }
  return side;
}

/** Throws unless `digits[i].image`, `image`, holds `pixels` pixels (the first digit's count). */
export function samePixels(image: Float32Array, i: number, pixels: number): void {
  if (image.length !== pixels) {
    throw new Error(`Expected \`digits[${i}].image\` to have ${pixels} pixels, got ${image.length}`);
  }
}

/** The pixels per row of `digits`' images, each `image [nRows * rowLength]` with one `rowLength` above zero. */
export function rowLength(digits: { image: Float32Array }[], nRows: number): number {
  const length = (digits[0]?.image.length ?? 0) / nRows;
  const valid = Number.isInteger(length) && length > 0;
  digits.forEach((d, i) => {
    if (d.image.length !== nRows * length || !valid) {
      throw new Error(
        `Expected \`digits[${i}].image\` to hold ${nRows} rows of ${valid ? length : 'equal length'} pixels, got ${d.image.length} pixels`,
      );
    }
  });
  return length;
}

/** `classNames`, or the class numbers `0 … nClasses - 1` as names; one name per class. */
export function classNamesOf(classNames: string[] | undefined, nClasses: number): string[] {
  const names = classNames ?? [...Array(nClasses).keys()].map(String);
  if (names.length !== nClasses) {
    throw new Error(`Expected \`classNames\` to have ${nClasses} names, got ${names.length}`);
  }
  return names;
}
