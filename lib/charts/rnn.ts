/**
 * The RNN as a Plotly figure, as in the seed's drawing: the folded cell with
 * its self-loop beside the same cell unrolled over the digit's rows, ending in
 * the dense layer and its logits. Pure: returns a figure object; showing it is
 * lib/display.ts's job.
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
  const { nSteps = 28, shownSteps = 3, nInputs = 28, nNeurons = 128, nOutputs = 10 } = options;
  positiveInteger('nSteps', nSteps);
  positiveInteger('shownSteps', shownSteps);
  positiveInteger('nInputs', nInputs);
  positiveInteger('nNeurons', nNeurons);
  positiveInteger('nOutputs', nOutputs);
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
  inputs.push({
    x: xf,
    y: yIn,
    label: sub('x', 't'),
    hover: `x<sub>t</sub>: row t of the digit, ${nInputs} pixels<br>(t = 0 … ${last})`,
  });
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
  annotations.push(
    label(
      sub('h', 't−1'),
      xf + 0.62,
      yState + 0.5,
      { size: 12, color: stateColor },
      'the state from the previous step comes back in',
    ),
  );
  annotations.push(label('<b>folded</b>', xf, -0.95, { size: 13, color: MUTED }));

  // Folded = unrolled.
  annotations.push(
    label('=', 1.55, yState - 0.6, { size: 26, color: MUTED }, 'the same network, drawn once per time step'),
  );

  // Unrolled chain.
  let prevState: [number, number] | undefined;
  columns.forEach((col, i) => {
    const x = colX(i);
    if (col === 'ellipsis') {
      const hidden = `t = ${shownSteps} … ${last - 1}`;
      annotations.push(
        label(
          '…',
          x,
          yState,
          { size: 26, color: stateColor },
          `${hidden}: ${last - shownSteps} more steps of the same cell`,
        ),
      );
      annotations.push(
        label('…', x, yIn, { size: 26, color: inputColor }, `${hidden}: rows ${shownSteps} … ${last - 1} of the digit`),
      );
      annotations.push(label(hidden, x, yIn - 0.62, { size: 11, color: MUTED }));
      if (prevState) annotations.push(arrow(prevState, [x, yState], stateColor, 14, 27));
      prevState = [x, yState];
      return;
    }
    const t = col;
    inputs.push({ x, y: yIn, label: sub('x', t), hover: `x<sub>${t}</sub>: row ${t} of the digit, ${nInputs} pixels` });
    const carried = t === 0 ? 'h<sub>−1</sub> = 0 (the initial state)' : `h<sub>${t - 1}</sub>`;
    const next = t === last ? 'goes to the dense layer (the final state)' : `is carried to step ${t + 1}`;
    states.push({
      x,
      y: yState,
      label: sub('h', t),
      hover: `h<sub>${t}</sub>: state after reading rows 0 … ${t}<br>from x<sub>${t}</sub> and ${carried}<br>${nNeurons} numbers; ${next}`,
    });
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
    y: yState + ((nOutputs - 1) / 2 - k) * logitStep,
    label: String(k),
    hover: `logit for class ${k}<br>softmax turns the ${nOutputs} logits into probabilities`,
  }));
  annotations.push(arrow([xDense, yState], [xLogits, yState], classifierColor, 14, 30));
  annotations.push(
    label(`${nOutputs} logits`, xLogits, yState + ((nOutputs + 1) / 2) * logitStep + 0.08, {
      size: 12,
      color: LOGIT_STYLE.border,
    }),
  );

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
    {
      type: 'line',
      x0: 1.15,
      x1: 1.15,
      y0: -0.7,
      y1: yState + 1.2,
      xref: 'x',
      yref: 'y',
      line: { width: 1, color: '#e5e7eb' },
    },
  ];

  const data: Trace[] = [
    nodeTrace(inputs, INPUT_STYLE),
    nodeTrace(states, STATE_STYLE),
    nodeTrace([dense], DENSE_STYLE),
    nodeTrace(logits, LOGIT_STYLE),
  ];
  const xRange: [number, number] = [-0.7, xLogits + 0.55];
  const unit = 72; // pixels per data unit on both axes, so circles stay circles
  const margin = { l: 10, r: 10, t: 50, b: 10 };
  const yRange: [number, number] = [-1.2, yState + 1.35];
  return {
    data,
    layout: {
      title: chartTitle('A basic RNN reads the digit row by row'),
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
