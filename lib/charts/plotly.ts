/**
 * The Plotly vocabulary shared by the figure modules beside it: a typed subset
 * of Plotly's figure schema, the look every figure shares (font, page, muted
 * grey, mode-bar config), number rounding for stable stored JSON, and the
 * one-line text summary display.ts shows where Plotly can't render.
 *
 * Figures are plain objects (`{ data, layout, config }`), the JSON that the
 * `application/vnd.plotly.v1+json` mime type carries.
 */

// ---------------------------------------------------------------------------
// A small typed subset of Plotly's figure schema: only what these charts use.

type Datum = number | string;

export interface Font {
  family?: string;
  size?: number;
  color?: string;
}

export interface ScatterTrace {
  type: 'scatter';
  x: Datum[];
  y: Datum[];
  mode: 'lines' | 'markers' | 'text' | 'lines+markers' | 'markers+text';
  name?: string;
  text?: string[];
  textposition?: 'middle center' | 'top center' | 'bottom center';
  textfont?: Font;
  hovertext?: string[];
  hoverinfo?: 'text' | 'skip' | 'none';
  hovertemplate?: string;
  marker?: {
    size?: number | number[];
    symbol?: string;
    color?: string | string[];
    line?: { width?: number; color?: string | string[] };
  };
  line?: { width?: number; color?: string; dash?: string };
  /** `toself`: fill the shape the points trace (a band drawn along its top, then back along its bottom). */
  fill?: 'toself';
  fillcolor?: string;
  showlegend?: boolean;
  cliponaxis?: boolean;
  xaxis?: string;
  yaxis?: string;
}

export type Colorscale = [number, string][];

export interface HeatmapTrace {
  type: 'heatmap';
  z: (number | null)[][];
  x?: Datum[];
  y?: Datum[];
  text?: string[][];
  customdata?: Datum[][] | Datum[][][];
  texttemplate?: string;
  textfont?: Font;
  hovertemplate?: string;
  colorscale: Colorscale;
  zmin?: number;
  zmax?: number;
  showscale?: boolean;
  colorbar?: {
    title?: { text: string; font?: Font };
    thickness?: number;
    len?: number;
    x?: number;
    y?: number;
    yanchor?: 'top' | 'middle' | 'bottom';
    tickformat?: string;
  };
  xgap?: number;
  ygap?: number;
  name?: string;
  xaxis?: string;
  yaxis?: string;
}

export type Trace = ScatterTrace | HeatmapTrace;

export interface Axis {
  visible?: boolean;
  range?: [number, number];
  autorange?: boolean | 'reversed';
  domain?: [number, number];
  anchor?: string;
  matches?: string;
  scaleanchor?: string;
  constrain?: 'range' | 'domain';
  fixedrange?: boolean;
  showgrid?: boolean;
  zeroline?: boolean;
  showticklabels?: boolean;
  ticks?: '' | 'outside' | 'inside';
  tickmode?: 'linear' | 'array';
  tick0?: number;
  dtick?: number;
  tickvals?: Datum[];
  ticktext?: string[];
  tickformat?: string;
  tickfont?: Font;
  side?: 'top' | 'bottom' | 'left' | 'right';
  title?: { text: string; standoff?: number; font?: Font };
  type?: 'linear' | 'category' | 'log';
  gridcolor?: string;
  linecolor?: string;
  showline?: boolean;
  mirror?: boolean;
}

export interface Annotation {
  text: string;
  x: number;
  y: number;
  xref?: string;
  yref?: string;
  showarrow: boolean;
  ax?: number;
  ay?: number;
  axref?: string;
  ayref?: string;
  arrowhead?: number;
  arrowsize?: number;
  arrowwidth?: number;
  arrowcolor?: string;
  standoff?: number;
  startstandoff?: number;
  xanchor?: 'left' | 'center' | 'right';
  yanchor?: 'top' | 'middle' | 'bottom';
  align?: 'left' | 'center' | 'right';
  font?: Font;
  hovertext?: string;
  captureevents?: boolean;
}

export interface Shape {
  type: 'path' | 'rect' | 'line';
  path?: string;
  x0?: number;
  y0?: number;
  x1?: number;
  y1?: number;
  xref?: string;
  yref?: string;
  line?: { width?: number; color?: string; dash?: string };
  fillcolor?: string;
  layer?: 'below' | 'above';
}

export interface Layout {
  title?: {
    text: string;
    x?: number;
    xanchor?: 'left' | 'center';
    y?: number;
    yref?: 'container' | 'paper';
    yanchor?: 'top' | 'middle' | 'bottom';
    font?: Font;
  };
  width?: number;
  height?: number;
  autosize?: boolean;
  margin?: { l: number; r: number; t: number; b: number };
  font?: Font;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
  showlegend?: boolean;
  legend?: {
    x?: number;
    y?: number;
    xanchor?: 'left' | 'right';
    yanchor?: 'top' | 'bottom';
    orientation?: 'h' | 'v';
    bgcolor?: string;
  };
  hovermode?: 'closest' | 'x unified' | false;
  annotations?: Annotation[];
  shapes?: Shape[];
  // xaxis, xaxis2, …, yaxis, yaxis2, …
  [axis: `${'x' | 'y'}axis${string}`]: Axis | undefined;
}

export interface Config {
  displaylogo?: boolean;
  displayModeBar?: boolean | 'hover';
  responsive?: boolean;
  staticPlot?: boolean;
}

/** The mime type of a Plotly figure in a notebook output, as JupyterLab's Plotly renderer reads it. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** A Plotly figure, the JSON carried by the `PLOTLY_MIME` mime type. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: Config;
}

// ---------------------------------------------------------------------------
// Shared look.

/** The font of every figure's text. */
export const FONT: Font = { family: 'Inter, "Helvetica Neue", Arial, sans-serif', size: 13, color: '#2a2f36' };
/** Layout fields every figure shares: a fixed size (so stored outputs render alike everywhere), the font, white paper. */
export const PAGE = { autosize: false, font: FONT, paper_bgcolor: '#ffffff', plot_bgcolor: '#ffffff' } as const;
/** Grey for secondary text: captions, step labels, tick labels. */
export const MUTED = '#6b7280';
/** The mode bar on hover, without Plotly's logo. */
export const CONFIG: Config = { displaylogo: false, displayModeBar: 'hover' };

/** A chart's title at the top left: the main words, then an optional muted note in parentheses. */
export function chartTitle(text: string, note?: string): NonNullable<Layout['title']> {
  const tail = note === undefined ? '' : ` <span style="color:${MUTED};font-size:13px">(${note})</span>`;
  return { text: text + tail, x: 0.02, xanchor: 'left', font: { ...FONT, size: 16 } };
}

/** Rounds to `digits` decimals; keeps the stored JSON short and stable across runs. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A one-line description of a figure, the `text/plain` shown where Plotly can't render. */
export function figureSummary(figure: Figure): string {
  const title = figure.layout.title?.text.replace(/<[^>]*>/g, '') ?? 'untitled';
  return `Plotly chart: ${title} (${figure.data.length} trace${figure.data.length === 1 ? '' : 's'})`;
}
