/**
 * The Plotly vocabulary shared by the figure modules beside it: Plotly's own
 * figure types (from @types/plotly.js), the look every figure shares (font, page, muted
 * grey, mode-bar config), number rounding for stable stored JSON, and the
 * one-line text summary display.ts shows where Plotly can't render.
 *
 * Figures are plain objects (`{ data, layout, config }`), the JSON that the
 * `application/vnd.plotly.v1+json` mime type carries.
 */
import type * as Plotly from 'plotly.js';

// ---------------------------------------------------------------------------
// Plotly's own figure types (@types/plotly.js). Where a trace's fields are made exact
// below, it is because these charts and their tests rely on them, or because Plotly
// accepts what those types do not (each said where it is done).

type Datum = number | string;

export type Font = Partial<Plotly.Font>;
export type Axis = Partial<Plotly.LayoutAxis>;
/** An annotation placed at numbers (rounded for stored JSON), with its text. */
export type Annotation = Partial<Plotly.Annotations> & { text: string; x: number; y: number };
export type Shape = Partial<Plotly.Shape>;
export type Config = Partial<Plotly.Config>;
export type Colorscale = Plotly.ColorScale;
export type Dash = Plotly.Dash;
/** An axis as a trace names it: `x`, `x2`, … `x99`. */
export type XAxisName = Plotly.XAxisName;
export type YAxisName = Plotly.YAxisName;

/** A line or scatter trace, its points given as arrays. */
export type ScatterTrace = Omit<Partial<Plotly.PlotData>, 'type' | 'x' | 'y' | 'mode' | 'text'> & {
  type: 'scatter';
  x: Datum[];
  y: Datum[];
  // The types list each mode's flags in one order; Plotly takes them in any.
  mode: NonNullable<Plotly.PlotData['mode']> | 'markers+text';
  text?: string[];
};

/** A heatmap trace. Its text and customdata have one entry a cell: 2-D, or 3-D for several values a cell. */
export type HeatmapTrace = Omit<Partial<Plotly.PlotData>, 'type' | 'z' | 'text' | 'customdata'> & {
  type: 'heatmap';
  z: (number | null)[][];
  text?: string[][];
  customdata?: Datum[][] | Datum[][][];
};

export type Trace = ScatterTrace | HeatmapTrace;

/** Plotly's title object; every chart here gives its title's text. */
export type Title = Exclude<Plotly.Layout['title'], string> & { text: string };

/**
 * A figure's layout. Plotly takes any number of axes (`xaxis12`), the types name nine;
 * the title is always the object form, so a reader can take its text.
 */
export type Layout = Omit<Partial<Plotly.Layout>, 'title' | 'annotations'> & {
  title?: Title;
  annotations?: Annotation[];
  [axis: `${'x' | 'y'}axis${string}`]: Axis | undefined;
};

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
export function chartTitle(text: string, note?: string): Title {
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
