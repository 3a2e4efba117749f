/**
 * Plotly figures for the notebook: the RNN folded and unrolled, accuracy per
 * epoch, the model's belief row by row, and a confusion matrix.
 *
 * Pure functions that return plain figure objects (`{ data, layout, config }`),
 * the JSON that the `application/vnd.plotly.v1+json` mime type carries; showing
 * them is lib/display.ts's job. Numbers are rounded so that the stored notebook
 * stays small and re-runs give stable diffs.
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
  colorbar?: { title?: { text: string; font?: Font }; thickness?: number; len?: number; x?: number; y?: number; yanchor?: 'top' | 'middle' | 'bottom'; tickformat?: string };
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
  type?: 'linear' | 'category';
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
  title?: { text: string; x?: number; xanchor?: 'left' | 'center'; y?: number; yref?: 'container' | 'paper'; yanchor?: 'top' | 'middle' | 'bottom'; font?: Font };
  width?: number;
  height?: number;
  autosize?: boolean;
  margin?: { l: number; r: number; t: number; b: number };
  font?: Font;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
  showlegend?: boolean;
  legend?: { x?: number; y?: number; xanchor?: 'left' | 'right'; yanchor?: 'top' | 'bottom'; orientation?: 'h' | 'v'; bgcolor?: string };
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

/** A Plotly figure, the JSON carried by the `application/vnd.plotly.v1+json` mime type. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: Config;
}

// ---------------------------------------------------------------------------
// Shared look.

const FONT: Font = { family: 'Inter, "Helvetica Neue", Arial, sans-serif', size: 13, color: '#2a2f36' };
// What every figure here shares: a fixed size (so stored outputs render alike everywhere), the font, white paper.
const PAGE = { autosize: false, font: FONT, paper_bgcolor: '#ffffff', plot_bgcolor: '#ffffff' } as const;
const MUTED = '#6b7280';
const CONFIG: Config = { displaylogo: false, displayModeBar: 'hover' };
const TRAIN_COLOR = '#d9822b';
const TEST_COLOR = '#2b6cb0';
const INK: Colorscale = [[0, '#ffffff'], [1, '#111111']];
const BLUES: Colorscale = [[0, '#f7fbff'], [0.25, '#c6dbef'], [0.5, '#6baed6'], [0.75, '#2171b5'], [1, '#08306b']];

/** Rounds to `digits` decimals; keeps the stored JSON short and stable across runs. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function expectPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Expected \`${name}\` to be a positive integer, got ${value}`);
  }
}

/** A one-line description of a figure, the `text/plain` shown where Plotly can't render. */
export function figureSummary(figure: Figure): string {
  const title = figure.layout.title?.text.replace(/<[^>]*>/g, '') ?? 'untitled';
  return `Plotly chart: ${title} (${figure.data.length} trace${figure.data.length === 1 ? '' : 's'})`;
}

// ---------------------------------------------------------------------------
// The RNN, folded and unrolled.

interface Node {
  x: number;
  y: number;
  label: string;
  hover: string;
}

interface NodeStyle {
  name: string;
  fill: string;
  border: string;
  size: number;
  symbol: string;
  fontSize: number;
}

const INPUT_STYLE: NodeStyle = { name: 'input row', fill: '#e3eefb', border: '#3b73b9', size: 44, symbol: 'square', fontSize: 15 };
const STATE_STYLE: NodeStyle = { name: 'RNN cell state', fill: '#fdebd7', border: '#d9822b', size: 50, symbol: 'circle', fontSize: 15 };
const DENSE_STYLE: NodeStyle = { name: 'dense layer', fill: '#e2f3e2', border: '#3f8f4f', size: 54, symbol: 'square', fontSize: 13 };
const LOGIT_STYLE: NodeStyle = { name: 'logits', fill: '#efe6f7', border: '#7b5aa6', size: 15, symbol: 'circle', fontSize: 9 };

function nodeTrace(nodes: Node[], style: NodeStyle): ScatterTrace {
  return {
    type: 'scatter',
    name: style.name,
    mode: 'markers+text',
    x: nodes.map((n) => n.x),
    y: nodes.map((n) => n.y),
    text: nodes.map((n) => n.label),
    textposition: 'middle center',
    textfont: { ...FONT, size: style.fontSize },
    hovertext: nodes.map((n) => n.hover),
    hoverinfo: 'text',
    marker: { size: style.size, symbol: style.symbol, color: style.fill, line: { width: 2, color: style.border } },
    showlegend: false,
    cliponaxis: false,
  };
}

function arrow(from: [number, number], to: [number, number], color: string, standoff: number, startstandoff: number): Annotation {
  return {
    text: '',
    x: to[0],
    y: to[1],
    ax: from[0],
    ay: from[1],
    xref: 'x',
    yref: 'y',
    axref: 'x',
    ayref: 'y',
    showarrow: true,
    arrowhead: 2,
    arrowsize: 1.1,
    arrowwidth: 1.8,
    arrowcolor: color,
    standoff,
    startstandoff,
  };
}

function label(text: string, x: number, y: number, font: Font, hovertext?: string): Annotation {
  const a: Annotation = { text, x, y, xref: 'x', yref: 'y', showarrow: false, font: { ...FONT, ...font } };
  if (hovertext !== undefined) a.hovertext = hovertext;
  return a;
}

const sub = (name: string, index: number | string): string => `${name}<sub>${index}</sub>`;

/**
 * The RNN as in the seed's figure: on the left the folded cell with its
 * self-loop, on the right the same cell unrolled over time. Row `t` of the
 * digit (`x_t`, `nInputs` pixels) goes in at step `t`, the state `h_t` is
 * carried to step `t + 1`, and the final state `h_{nSteps-1}` goes to the dense
 * layer that gives `nOutputs` logits. Every node has hover text.
 *
 * @param options.nSteps time steps, one per image row (28)
 * @param options.shownSteps leading steps drawn before the "…" and the last step (3)
 */
export function rnnUnrolledFigure(options: { nSteps?: number; shownSteps?: number; nInputs?: number; nNeurons?: number; nOutputs?: number } = {}): Figure {
  const { nSteps = 28, shownSteps = 3, nInputs = 28, nNeurons = 128, nOutputs = 10 } = options;
  expectPositiveInteger('nSteps', nSteps);
  expectPositiveInteger('shownSteps', shownSteps);
  expectPositiveInteger('nInputs', nInputs);
  expectPositiveInteger('nNeurons', nNeurons);
  expectPositiveInteger('nOutputs', nOutputs);
  if (shownSteps > nSteps) {
    throw new Error(`Expected \`shownSteps\` to be at most nSteps (${nSteps}), got ${shownSteps}`);
  }
  const last = nSteps - 1;
  // Draw every step when eliding would hide one step or none.
  const elide = shownSteps < nSteps - 1;
  const steps = elide ? [...Array(shownSteps).keys(), last] : [...Array(nSteps).keys()];

  const yIn = 0;
  const yState = 1.45;
  const dx = 1.25;
  const x0 = 2.75; // first unrolled column, right of the folded cell
  const columns: (number | 'ellipsis')[] = elide ? [...steps.slice(0, -1), 'ellipsis', last] : steps;
  const colX = (i: number): number => x0 + i * dx;
  const xDense = colX(columns.length);
  const xLogits = colX(columns.length) + 1.05;

  const inputs: Node[] = [];
  const states: Node[] = [];
  const annotations: Annotation[] = [];
  const inputColor = INPUT_STYLE.border;
  const stateColor = STATE_STYLE.border;
  const classifierColor = DENSE_STYLE.border;

  // Folded: one cell, one input, the state fed back to itself.
  const xf = 0;
  inputs.push({ x: xf, y: yIn, label: sub('x', 't'), hover: `x<sub>t</sub>: row t of the digit, ${nInputs} pixels<br>(t = 0 … ${last})` });
  states.push({
    x: xf,
    y: yState,
    label: sub('h', 't'),
    hover: `RNN cell, ${nNeurons} tanh units<br>h<sub>t</sub> = tanh(W<sub>x</sub> x<sub>t</sub> + W<sub>h</sub> h<sub>t−1</sub> + b)<br>the same weights at every step`,
  });
  annotations.push(arrow([xf, yIn], [xf, yState], inputColor, 25, 22));
  annotations.push(arrow([xf, yState], [xf, yState + 0.95], classifierColor, 0, 25));
  annotations.push(label(`h<sub>${last}</sub> → dense`, xf, yState + 1.08, { size: 12, color: MUTED }));
  // The self-loop on the cell's right: out at the top, round, and back in at the bottom.
  const loop = `M ${xf + 0.17} ${yState + 0.16} C ${xf + 0.62} ${yState + 0.62}, ${xf + 0.95} ${yState + 0.1}, ${xf + 0.75} ${yState - 0.2} C ${xf + 0.62} ${yState - 0.42}, ${xf + 0.42} ${yState - 0.45}, ${xf + 0.3} ${yState - 0.33}`;
  annotations.push(arrow([xf + 0.3, yState - 0.33], [xf + 0.16, yState - 0.17], stateColor, 0, 0));
  annotations.push(label(sub('h', 't−1'), xf + 0.62, yState + 0.5, { size: 12, color: stateColor }, 'the state from the previous step comes back in'));
  annotations.push(label('<b>folded</b>', xf, -0.95, { size: 13, color: MUTED }));

  // Folded = unrolled.
  annotations.push(label('=', 1.55, yState - 0.6, { size: 26, color: MUTED }, 'the same network, drawn once per time step'));

  // Unrolled chain.
  let prevState: [number, number] | undefined;
  columns.forEach((col, i) => {
    const x = colX(i);
    if (col === 'ellipsis') {
      const hidden = `t = ${shownSteps} … ${last - 1}`;
      annotations.push(label('…', x, yState, { size: 26, color: stateColor }, `${hidden}: ${last - shownSteps} more steps of the same cell`));
      annotations.push(label('…', x, yIn, { size: 26, color: inputColor }, `${hidden}: rows ${shownSteps} … ${last - 1} of the digit`));
      annotations.push(label(hidden, x, yIn - 0.62, { size: 11, color: MUTED }));
      if (prevState) annotations.push(arrow(prevState, [x, yState], stateColor, 14, 27));
      prevState = [x, yState];
      return;
    }
    const t = col;
    inputs.push({ x, y: yIn, label: sub('x', t), hover: `x<sub>${t}</sub>: row ${t} of the digit, ${nInputs} pixels` });
    const carried = t === 0 ? 'h<sub>−1</sub> = 0 (the initial state)' : `h<sub>${t - 1}</sub>`;
    const next = t === last ? 'goes to the dense layer (the final state)' : `is carried to step ${t + 1}`;
    states.push({ x, y: yState, label: sub('h', t), hover: `h<sub>${t}</sub>: state after reading rows 0 … ${t}<br>from x<sub>${t}</sub> and ${carried}<br>${nNeurons} numbers; ${next}` });
    annotations.push(arrow([x, yIn], [x, yState], inputColor, 25, 22));
    if (prevState) {
      const fromEllipsis = columns[i - 1] === 'ellipsis';
      annotations.push(arrow(prevState, [x, yState], stateColor, 25, fromEllipsis ? 14 : 25));
    }
    annotations.push(label(`t = ${t}`, x, yIn - 0.62, { size: 11, color: MUTED }));
    prevState = [x, yState];
  });

  // Classifier on the final state.
  const dense: Node = {
    x: xDense,
    y: yState,
    label: 'dense',
    hover: `dense layer: ${nNeurons} → ${nOutputs}<br>logits = W h<sub>${last}</sub> + b, no activation`,
  };
  if (prevState) annotations.push(arrow(prevState, [xDense, yState], classifierColor, 30, 25));
  const logitStep = 0.19;
  const logits: Node[] = [...Array(nOutputs).keys()].map((k) => ({
    x: xLogits,
    y: yState + (((nOutputs - 1) / 2 - k) * logitStep),
    label: String(k),
    hover: `logit for class ${k}<br>softmax turns the ${nOutputs} logits into probabilities`,
  }));
  annotations.push(arrow([xDense, yState], [xLogits, yState], classifierColor, 14, 30));
  annotations.push(label(`${nOutputs} logits`, xLogits, yState + ((nOutputs + 1) / 2) * logitStep + 0.08, { size: 12, color: LOGIT_STYLE.border }));

  // Brackets and captions.
  const first = colX(0);
  const lastX = colX(columns.length - 1);
  const yBracket = -0.95;
  annotations.push(
    label(
      `<b>unrolled over ${nSteps} time steps</b> (t = 0 … ${last}): the digit is read one row of ${nInputs} pixels per step`,
      (first + lastX) / 2,
      yBracket - 0.02,
      { size: 13, color: '#2a2f36' },
    ),
  );
  const legendY = yState + 1.2;
  annotations.push(label('→ input row', first - 0.35, legendY, { size: 11, color: inputColor }));
  annotations.push(label('→ carried state', first + 1.0, legendY, { size: 11, color: stateColor }));
  annotations.push(label('→ classifier', first + 2.3, legendY, { size: 11, color: classifierColor }));
  const shapes: Shape[] = [
    { type: 'path', path: loop, xref: 'x', yref: 'y', line: { width: 1.8, color: stateColor } },
    // A bracket under the unrolled steps.
    {
      type: 'path',
      path: `M ${first - 0.35} ${yBracket + 0.2} L ${first - 0.35} ${yBracket + 0.12} L ${lastX + 0.35} ${yBracket + 0.12} L ${lastX + 0.35} ${yBracket + 0.2}`,
      xref: 'x',
      yref: 'y',
      line: { width: 1, color: '#9ca3af' },
    },
    // The folded and unrolled halves.
    { type: 'line', x0: 1.15, x1: 1.15, y0: -0.7, y1: yState + 1.2, xref: 'x', yref: 'y', line: { width: 1, color: '#e5e7eb' } },
  ];

  const data: Trace[] = [nodeTrace(inputs, INPUT_STYLE), nodeTrace(states, STATE_STYLE), nodeTrace([dense], DENSE_STYLE), nodeTrace(logits, LOGIT_STYLE)];
  const xRange: [number, number] = [-0.7, xLogits + 0.55];
  const unit = 72; // pixels per data unit on both axes, so circles stay circles
  const margin = { l: 10, r: 10, t: 50, b: 10 };
  const yRange: [number, number] = [-1.2, yState + 1.35];
  return {
    data,
    layout: {
      title: { text: 'A basic RNN reads the digit row by row', x: 0.02, xanchor: 'left', font: { ...FONT, size: 16 } },
      width: Math.round((xRange[1] - xRange[0]) * unit) + margin.l + margin.r,
      height: Math.round((yRange[1] - yRange[0]) * unit) + margin.t + margin.b,
      ...PAGE,
      margin,
      showlegend: false,
      hovermode: 'closest',
      xaxis: { visible: false, range: xRange.map((v) => round(v, 3)) as [number, number], fixedrange: true },
      yaxis: { visible: false, range: yRange.map((v) => round(v, 3)) as [number, number], fixedrange: true },
      annotations: annotations.map(roundAnnotation),
      shapes,
    },
    config: { displaylogo: false, displayModeBar: false },
  };
}

function roundAnnotation(a: Annotation): Annotation {
  const r: Annotation = { ...a, x: round(a.x, 3), y: round(a.y, 3) };
  if (a.ax !== undefined) r.ax = round(a.ax, 3);
  if (a.ay !== undefined) r.ay = round(a.ay, 3);
  return r;
}

// ---------------------------------------------------------------------------
// Accuracy per epoch.

/** One row of the training history, as the seed prints it per epoch. */
export interface EpochAccuracy {
  epoch: number;
  accTrain: number;
  accTest: number;
}

/**
 * Train and test accuracy per epoch. The x axis is fixed to `0 … nEpochs - 1`
 * so that a live chart fills in from the left as epochs finish.
 */
export function accuracyFigure(history: EpochAccuracy[], nEpochs: number): Figure {
  expectPositiveInteger('nEpochs', nEpochs);
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
      series('Train accuracy', history.map((h) => h.accTrain), TRAIN_COLOR, 'circle'),
      series('Test accuracy', history.map((h) => h.accTest), TEST_COLOR, 'diamond'),
    ],
    layout: {
      title: { text: `Accuracy per epoch <span style="color:${MUTED};font-size:13px">(${done} of ${nEpochs})</span>`, x: 0.02, xanchor: 'left', font: { ...FONT, size: 16 } },
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

const argmax = (values: number[]): number => values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);

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
    throw new Error(`Expected \`digits[0].image\` to be a square image (e.g. 784 = 28x28 pixels), got ${digits[0]?.image.length} pixels`);
  }
  const nOutputs = digits[0]?.probsPerStep[0]?.length ?? 0;
  const names = classNames ?? [...Array(nOutputs).keys()].map(String);
  digits.forEach((d, i) => {
    if (d.image.length !== side * side) {
      throw new Error(`Expected \`digits[${i}].image\` to have ${side * side} pixels, got ${d.image.length}`);
    }
    if (d.probsPerStep.length === 0 || d.probsPerStep.some((p) => p.length !== nOutputs)) {
      throw new Error(`Expected \`digits[${i}].probsPerStep\` to be [nSteps][${nOutputs}], got rows of lengths ${d.probsPerStep.map((p) => p.length).join(', ') || 'none'}`);
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
    title: { text: `How the belief forms, row by row <span style="color:${MUTED};font-size:13px">(the digit, and the class probabilities after each row read)</span>`, x: 0.02, xanchor: 'left', y: 0.985, yref: 'container', yanchor: 'top', font: { ...FONT, size: 16 } },
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
      colorbar: { title: { text: 'probability', font: { size: 12 } }, thickness: 12, len: Math.min(1, imgPx / plotH), y: 1, yanchor: 'top', x: 1.02, tickformat: '.0%' },
      hovertemplate: 'after row %{y}<br>class %{x}: %{z:.1%}<extra></extra>',
      xaxis: `x${ax(probAxis)}`,
      yaxis: `y${ax(probAxis)}`,
    });
    const yDomain: [number, number] = [yd(top + imgPx), yd(top)];
    const frame: Axis = { showline: true, mirror: true, linecolor: '#d1d5db', showgrid: false, zeroline: false, fixedrange: true };
    layout[`xaxis${ax(imgAxis)}`] = { ...frame, domain: [xd(left), xd(left + imgPx)], anchor: `y${ax(imgAxis)}`, range: [-0.5, side - 0.5], showticklabels: false, ticks: '' };
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
  expectPositiveInteger('nClasses', nClasses);
  if (labels.length !== predictions.length) {
    throw new Error(`Expected \`labels\` and \`predictions\` to have the same length, got ${labels.length} and ${predictions.length}`);
  }
  const counts = [...Array(nClasses)].map(() => new Array<number>(nClasses).fill(0));
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
export function confusionFigure(labels: Int32Array, predictions: Int32Array, nClasses = 10, classNames?: string[]): Figure {
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
        hovertemplate: 'true %{y}, predicted %{x}<br>%{customdata[0]} images (%{customdata[1]:.1%} of true %{y})<extra></extra>',
        colorscale: BLUES,
        zmin: 0,
        zmax: 1,
        showscale: false,
        xgap: 1,
        ygap: 1,
      },
    ],
    layout: {
      title: {
        text: `Confusion matrix on ${n} test images <span style="color:${MUTED};font-size:13px">(accuracy ${n === 0 ? '–' : (correct / n).toFixed(3)})</span>`,
        x: 0.02,
        xanchor: 'left',
        font: { ...FONT, size: 16 },
      },
      width: side + margin.l + margin.r,
      height: side + margin.t + margin.b,
      ...PAGE,
      margin,
      xaxis: { title: { text: 'predicted class' }, type: 'category', side: 'bottom', ticks: '', showgrid: false, fixedrange: true },
      yaxis: { title: { text: 'true class' }, type: 'category', autorange: 'reversed', ticks: '', showgrid: false, fixedrange: true },
    },
    config: CONFIG,
  };
}
