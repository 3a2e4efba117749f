/**
 * The RNN as a Plotly figure, as in the seed's drawing: the folded cell with
 * its self-loop beside the same cell unrolled over the digit's rows, ending in
 * the dense layer and its logits. Pure: returns a figure object; showing it is
 * lib/charts/display.ts's job.
 */

import { positiveInteger } from '../checks';
import {
  FONT,
  MUTED,
  PAGE,
  chartTitle,
  round,
  type Annotation,
  type Figure,
  type Font,
  type Layout,
  type ScatterTrace,
  type Shape,
  type Trace,
} from './plotly';

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

const INPUT_STYLE: NodeStyle = {
  name: 'input row',
  fill: '#e3eefb',
  border: '#3b73b9',
  size: 44,
  symbol: 'square',
  fontSize: 15,
};
const STATE_STYLE: NodeStyle = {
  name: 'RNN cell state',
  fill: '#fdebd7',
  border: '#d9822b',
  size: 50,
  symbol: 'circle',
  fontSize: 15,
};
const DENSE_STYLE: NodeStyle = {
  name: 'dense layer',
  fill: '#e2f3e2',
  border: '#3f8f4f',
  size: 54,
  symbol: 'square',
  fontSize: 13,
};
const LOGIT_STYLE: NodeStyle = {
  name: 'logits',
  fill: '#efe6f7',
  border: '#7b5aa6',
  size: 15,
  symbol: 'circle',
  fontSize: 9,
};

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

function arrow(
  from: [number, number],
  to: [number, number],
  color: string,
  standoff: number,
  startstandoff: number,
): Annotation {
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

/** The network's sizes, and how many steps the unrolled half draws before its "…". */
interface Sizes {
  nSteps: number;
  shownSteps: number;
  nInputs: number;
  nNeurons: number;
  nOutputs: number;
}

/** A step's column in the unrolled half, or the "…" that stands for the hidden steps. */
type Column = number | 'ellipsis';

/** Nodes and arrows of one part of the drawing; each part adds to the figure's lists in drawing order. */
interface Part {
  inputs: Node[];
  states: Node[];
  annotations: Annotation[];
}

const UNIT = 72; // pixels per data unit on both axes, so circles stay circles
// Positions, in data units.
const Y_IN = 0;
const Y_STATE = 1.45;
const X_FOLDED = 0;
const X_DIVIDER = 1.15; // between the folded and the unrolled halves
const X_UNROLLED = 2.75; // first unrolled column, right of the folded cell
const DX = 1.25;
const Y_BRACKET = -0.95;
const LOGIT_STEP = 0.19;
const INPUT_COLOR = INPUT_STYLE.border;
const STATE_COLOR = STATE_STYLE.border;
const CLASSIFIER_COLOR = DENSE_STYLE.border;

const colX = (i: number): number => X_UNROLLED + i * DX;

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
export function rnnUnrolledFigure(
  options: { nSteps?: number; shownSteps?: number; nInputs?: number; nNeurons?: number; nOutputs?: number } = {},
): Figure {
  const sizes = checked(options);
  const { nSteps, shownSteps } = sizes;
  const last = nSteps - 1;
  // Draw every step when eliding would hide one step or none.
  const elide = shownSteps < nSteps - 1;
  const steps = elide ? [...Array(shownSteps).keys(), last] : [...Array(nSteps).keys()];
  const columns: Column[] = elide ? [...steps.slice(0, -1), 'ellipsis', last] : steps;
  const folded = foldedHalf(sizes);
  const unrolled = unrolledHalf(columns, sizes);
  const classifier = classifierPart(colX(columns.length), unrolled.lastState, sizes);
  const annotations = [
    ...folded.annotations,
    // Folded = unrolled.
    label('=', 1.55, Y_STATE - 0.6, { size: 26, color: MUTED }, 'the same network, drawn once per time step'),
    ...unrolled.annotations,
    ...classifier.annotations,
    ...captions(colX(0), colX(columns.length - 1), sizes),
  ];
  const data: Trace[] = [
    nodeTrace([...folded.inputs, ...unrolled.inputs], INPUT_STYLE),
    nodeTrace([...folded.states, ...unrolled.states], STATE_STYLE),
    nodeTrace(classifier.dense, DENSE_STYLE),
    nodeTrace(classifier.logits, LOGIT_STYLE),
  ];
  const shapes = [folded.loop, ...halvesAndBracket(colX(0), colX(columns.length - 1))];
  return {
    data,
    layout: layoutFor(classifier.xLogits, annotations, shapes),
    config: { displaylogo: false, displayModeBar: false },
  };
}

function checked(options: Partial<Sizes>): Sizes {
  const { nSteps = 28, shownSteps = 3, nInputs = 28, nNeurons = 128, nOutputs = 10 } = options;
  positiveInteger('nSteps', nSteps);
  positiveInteger('shownSteps', shownSteps);
  positiveInteger('nInputs', nInputs);
  positiveInteger('nNeurons', nNeurons);
  positiveInteger('nOutputs', nOutputs);
  if (shownSteps > nSteps) {
    throw new Error(`Expected \`shownSteps\` to be at most nSteps (${nSteps}), got ${shownSteps}`);
  }
  return { nSteps, shownSteps, nInputs, nNeurons, nOutputs };
}

/** The folded half: one cell, one input, the state fed back to itself. */
function foldedHalf({ nSteps, nInputs, nNeurons }: Sizes): Part & { loop: Shape } {
  const xf = X_FOLDED;
  const last = nSteps - 1;
  const input: Node = {
    x: xf,
    y: Y_IN,
    label: sub('x', 't'),
    hover: `x<sub>t</sub>: row t of the digit, ${nInputs} pixels<br>(t = 0 … ${last})`,
  };
  const state: Node = {
    x: xf,
    y: Y_STATE,
    label: sub('h', 't'),
    hover: `RNN cell, ${nNeurons} tanh units<br>h<sub>t</sub> = tanh(W<sub>x</sub> x<sub>t</sub> + W<sub>h</sub> h<sub>t−1</sub> + b)<br>the same weights at every step`,
  };
  // The self-loop on the cell's right: out at the top, round, and back in at the bottom.
  const loop = `M ${xf + 0.17} ${Y_STATE + 0.16} C ${xf + 0.62} ${Y_STATE + 0.62}, ${xf + 0.95} ${Y_STATE + 0.1}, ${xf + 0.75} ${Y_STATE - 0.2} C ${xf + 0.62} ${Y_STATE - 0.42}, ${xf + 0.42} ${Y_STATE - 0.45}, ${xf + 0.3} ${Y_STATE - 0.33}`;
  const annotations = [
    arrow([xf, Y_IN], [xf, Y_STATE], INPUT_COLOR, 25, 22),
    arrow([xf, Y_STATE], [xf, Y_STATE + 0.95], CLASSIFIER_COLOR, 0, 25),
    label(`h<sub>${last}</sub> → dense`, xf, Y_STATE + 1.08, { size: 12, color: MUTED }),
    arrow([xf + 0.3, Y_STATE - 0.33], [xf + 0.16, Y_STATE - 0.17], STATE_COLOR, 0, 0),
    label(
      sub('h', 't−1'),
      xf + 0.62,
      Y_STATE + 0.5,
      { size: 12, color: STATE_COLOR },
      'the state from the previous step comes back in',
    ),
    label('<b>folded</b>', xf, -0.95, { size: 13, color: MUTED }),
  ];
  return {
    inputs: [input],
    states: [state],
    annotations,
    loop: { type: 'path', path: loop, xref: 'x', yref: 'y', line: { width: 1.8, color: STATE_COLOR } },
  };
}

/** The unrolled half: per column the input, the state and the arrows into it; ends at the last state. */
function unrolledHalf(columns: Column[], sizes: Sizes): Part & { lastState: [number, number] | undefined } {
  const part: Part = { inputs: [], states: [], annotations: [] };
  let prevState: [number, number] | undefined;
  columns.forEach((col, i) => {
    const x = colX(i);
    if (col === 'ellipsis') {
      part.annotations.push(...ellipsis(x, sizes));
      if (prevState) part.annotations.push(arrow(prevState, [x, Y_STATE], STATE_COLOR, 14, 27));
    } else {
      step(part, col, x, sizes);
      if (prevState) {
        const fromEllipsis = columns[i - 1] === 'ellipsis';
        part.annotations.push(arrow(prevState, [x, Y_STATE], STATE_COLOR, 25, fromEllipsis ? 14 : 25));
      }
      part.annotations.push(label(`t = ${col}`, x, Y_IN - 0.62, { size: 11, color: MUTED }));
    }
    prevState = [x, Y_STATE];
  });
  return { ...part, lastState: prevState };
}

/** Step `t` at `x`: its input row, its state, and the arrow from one to the other. */
function step(part: Part, t: number, x: number, { nSteps, nInputs, nNeurons }: Sizes): void {
  const last = nSteps - 1;
  part.inputs.push({
    x,
    y: Y_IN,
    label: sub('x', t),
    hover: `x<sub>${t}</sub>: row ${t} of the digit, ${nInputs} pixels`,
  });
  const carried = t === 0 ? 'h<sub>−1</sub> = 0 (the initial state)' : `h<sub>${t - 1}</sub>`;
  const next = t === last ? 'goes to the dense layer (the final state)' : `is carried to step ${t + 1}`;
  part.states.push({
    x,
    y: Y_STATE,
    label: sub('h', t),
    hover: `h<sub>${t}</sub>: state after reading rows 0 … ${t}<br>from x<sub>${t}</sub> and ${carried}<br>${nNeurons} numbers; ${next}`,
  });
  part.annotations.push(arrow([x, Y_IN], [x, Y_STATE], INPUT_COLOR, 25, 22));
}

/** The "…" column: the hidden steps' states and input rows, and their step numbers. */
function ellipsis(x: number, { nSteps, shownSteps }: Sizes): Annotation[] {
  const last = nSteps - 1;
  const hidden = `t = ${shownSteps} … ${last - 1}`;
  return [
    label(
      '…',
      x,
      Y_STATE,
      { size: 26, color: STATE_COLOR },
      `${hidden}: ${last - shownSteps} more steps of the same cell`,
    ),
    label('…', x, Y_IN, { size: 26, color: INPUT_COLOR }, `${hidden}: rows ${shownSteps} … ${last - 1} of the digit`),
    label(hidden, x, Y_IN - 0.62, { size: 11, color: MUTED }),
  ];
}

/** The classifier on the final state: the dense layer at `xDense`, then its logits, one node per class. */
function classifierPart(
  xDense: number,
  lastState: [number, number] | undefined,
  { nSteps, nNeurons, nOutputs }: Sizes,
): { dense: Node[]; logits: Node[]; xLogits: number; annotations: Annotation[] } {
  const xLogits = xDense + 1.05;
  const dense: Node = {
    x: xDense,
    y: Y_STATE,
    label: 'dense',
    hover: `dense layer: ${nNeurons} → ${nOutputs}<br>logits = W h<sub>${nSteps - 1}</sub> + b, no activation`,
  };
  const logits: Node[] = [...Array(nOutputs).keys()].map((k) => ({
    x: xLogits,
    y: Y_STATE + ((nOutputs - 1) / 2 - k) * LOGIT_STEP,
    label: String(k),
    hover: `logit for class ${k}<br>softmax turns the ${nOutputs} logits into probabilities`,
  }));
  const annotations: Annotation[] = [];
  if (lastState) annotations.push(arrow(lastState, [xDense, Y_STATE], CLASSIFIER_COLOR, 30, 25));
  annotations.push(arrow([xDense, Y_STATE], [xLogits, Y_STATE], CLASSIFIER_COLOR, 14, 30));
  annotations.push(
    label(`${nOutputs} logits`, xLogits, Y_STATE + ((nOutputs + 1) / 2) * LOGIT_STEP + 0.08, {
      size: 12,
      color: LOGIT_STYLE.border,
    }),
  );
  return { dense: [dense], logits, xLogits, annotations };
}

/** The unrolled half's caption under its columns `first` … `lastX`, and the legend of the arrows' colours above. */
function captions(first: number, lastX: number, { nSteps, nInputs }: Sizes): Annotation[] {
  const legendY = Y_STATE + 1.2;
  return [
    label(
      `<b>unrolled over ${nSteps} time steps</b> (t = 0 … ${nSteps - 1}): the digit is read one row of ${nInputs} pixels per step`,
      (first + lastX) / 2,
      Y_BRACKET - 0.02,
      { size: 13, color: '#2a2f36' },
    ),
    label('→ input row', first - 0.35, legendY, { size: 11, color: INPUT_COLOR }),
    label('→ carried state', first + 1.0, legendY, { size: 11, color: STATE_COLOR }),
    label('→ classifier', first + 2.3, legendY, { size: 11, color: CLASSIFIER_COLOR }),
  ];
}

/** A bracket under the unrolled columns `first` … `lastX`, and a line between the folded and unrolled halves. */
function halvesAndBracket(first: number, lastX: number): Shape[] {
  return [
    {
      type: 'path',
      path: `M ${first - 0.35} ${Y_BRACKET + 0.2} L ${first - 0.35} ${Y_BRACKET + 0.12} L ${lastX + 0.35} ${Y_BRACKET + 0.12} L ${lastX + 0.35} ${Y_BRACKET + 0.2}`,
      xref: 'x',
      yref: 'y',
      line: { width: 1, color: '#9ca3af' },
    },
    {
      type: 'line',
      x0: X_DIVIDER,
      x1: X_DIVIDER,
      y0: -0.7,
      y1: Y_STATE + 1.2,
      xref: 'x',
      yref: 'y',
      line: { width: 1, color: '#e5e7eb' },
    },
  ];
}

/** Hidden axes over the drawing, from the folded cell's left to just right of the logits, at UNIT px per unit. */
function layoutFor(xLogits: number, annotations: Annotation[], shapes: Shape[]): Layout {
  const xRange: [number, number] = [-0.7, xLogits + 0.55];
  const yRange: [number, number] = [-1.2, Y_STATE + 1.35];
  const margin = { l: 10, r: 10, t: 50, b: 10 };
  return {
    title: chartTitle('A basic RNN reads the digit row by row'),
    width: Math.round((xRange[1] - xRange[0]) * UNIT) + margin.l + margin.r,
    height: Math.round((yRange[1] - yRange[0]) * UNIT) + margin.t + margin.b,
    ...PAGE,
    margin,
    showlegend: false,
    hovermode: 'closest',
    xaxis: { visible: false, range: xRange.map((v) => round(v, 3)) as [number, number], fixedrange: true },
    yaxis: { visible: false, range: yRange.map((v) => round(v, 3)) as [number, number], fixedrange: true },
    annotations: annotations.map(roundAnnotation),
    shapes,
  };
}

function roundAnnotation(a: Annotation): Annotation {
  const r: Annotation = { ...a, x: round(a.x, 3), y: round(a.y, 3) };
  if (a.ax !== undefined) r.ax = round(a.ax, 3);
  if (a.ay !== undefined) r.ay = round(a.ay, 3);
  return r;
}
