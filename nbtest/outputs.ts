/**
 * Cell outputs reduced to what a notebook test compares, as nbval does:
 * - stream text merged per stream (stdout, stderr) at its first position, `\r` and `\b` applied;
 * - display_data and execute_result alike, compared per mime type; metadata,
 *   execution counts and Jupyter widget model ids ignored;
 * - images (image/png, image/jpeg, image/gif) by format and pixel size, never by bytes,
 *   which change with every run's numbers; SVG by presence;
 * - Plotly figures (application/vnd.plotly.v1+json) by their shape: per trace its type,
 *   mode, name and axes; the layout's title and axis titles; not the numbers plotted.
 *   A static image stored beside a figure is its snapshot and is not compared;
 * - errors by `ename: evalue` (a traceback names paths and line numbers of the machine).
 * Every text goes through the sanitizer on both sides.
 */
import { sanitize, type SanitizeRule } from './sanitize';

/** One nbformat v4 output, as stored in a notebook and as nbclient records it. */
export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** One comparable piece of a cell's outputs: `label` says what it is, `text` its content. */
export interface Item {
  label: string;
  text: string;
}

const IGNORED_MIME = new Set(['application/vnd.jupyter.widget-view+json']);
const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/** nbval's coalesce_streams: one output per stream name, where that stream first appeared. */
export function mergeStreams(outputs: readonly Output[]): Output[] {
  const merged: Output[] = [];
  const streams = new Map<string, Output>();
  for (const output of outputs) {
    if (output.output_type !== 'stream') {
      merged.push(output);
      continue;
    }
    const name = output.name ?? 'stdout';
    const seen = streams.get(name);
    if (seen) {
      seen.text = joinText(seen.text) + joinText(output.text);
    } else {
      const copy = { ...output, name, text: joinText(output.text) };
      streams.set(name, copy);
      merged.push(copy);
    }
  }
  for (const stream of streams.values()) stream.text = applyControlChars(joinText(stream.text));
  return merged;
}

// A terminal's view of `\b` (erase one char) and a lone `\r` (restart the line).
function applyControlChars(text: string): string {
  let s = text;
  for (let prev = ''; prev !== s;) {
    prev = s;
    // eslint-disable-next-line no-control-regex -- the backspace character is what this removes
    s = s.replace(/[^\n\x08]\x08/, '');
  }
  return s.replace(/(^|\n)[^\n]*\r(?=[^\n])/g, '$1');
}

/** The items compared for a cell's outputs, in output order. */
export function toItems(outputs: readonly Output[], rules: readonly SanitizeRule[]): Item[] {
  const items: Item[] = [];
  for (const output of mergeStreams(outputs)) {
    switch (output.output_type) {
      case 'stream':
        items.push({ label: output.name ?? 'stdout', text: sanitize(joinText(output.text), rules) });
        break;
      case 'error':
        items.push({ label: 'error', text: sanitize(`${output.ename ?? ''}: ${output.evalue ?? ''}`, rules) });
        break;
      case 'display_data':
      case 'execute_result':
        for (const mime of Object.keys(output.data ?? {}).sort()) {
          if (IGNORED_MIME.has(mime)) continue;
          // A static snapshot beside a Plotly figure (JupyterLab adds one on save,
          // scripts/render-static.ts on export) is derived from it: the figure is compared.
          if (isSnapshotOfPlotly(mime, output.data ?? {})) continue;
          items.push({ label: `display ${mime}`, text: sanitize(describeMime(mime, output.data?.[mime]), rules) });
        }
        break;
      default:
        items.push({ label: output.output_type, text: '' });
    }
  }
  return items;
}

function isSnapshotOfPlotly(mime: string, data: Record<string, unknown>): boolean {
  return PLOTLY_MIME in data && /^image\/(png|jpeg|svg\+xml)$/.test(mime);
}

function describeMime(mime: string, value: unknown): string {
  if (mime === PLOTLY_MIME) return describePlotly(value);
  if (/^image\/(png|jpeg|gif)$/.test(mime)) return describeImage(mime, joinText(value as string | string[]));
  if (mime === 'image/svg+xml') return 'an SVG image';
  if (typeof value === 'string' || Array.isArray(value)) return joinText(value as string | string[]);
  return stableJson(value);
}

/** A Plotly figure's shape: what is drawn and how it is labelled, not the numbers. */
export function describePlotly(figure: unknown): string {
  const fig = (isObject(figure) ? figure : {}) as { data?: unknown; layout?: unknown };
  const traces = Array.isArray(fig.data) ? fig.data : [];
  const layout = isObject(fig.layout) ? fig.layout : {};
  const lines = [`Plotly figure, title ${JSON.stringify(titleText(layout['title']))}, ${traces.length} trace(s)`];
  for (const key of Object.keys(layout)
    .filter((k) => /^[xy]axis\d*$/.test(k))
    .sort()) {
    const axis = layout[key];
    if (isObject(axis)) lines.push(`  ${key}: title ${JSON.stringify(titleText(axis['title']))}`);
  }
  traces.forEach((t, i) => {
    const trace = isObject(t) ? t : {};
    const fields = ['type', 'mode', 'name', 'xaxis', 'yaxis']
      .filter((k) => trace[k] !== undefined)
      .map((k) => `${k} ${JSON.stringify(trace[k])}`);
    lines.push(`  trace ${i}: ${fields.join(', ') || 'no type'}`);
  });
  return lines.join('\n');
}

function titleText(title: unknown): string {
  if (typeof title === 'string') return title;
  if (isObject(title) && typeof title['text'] === 'string') return title['text'];
  return '';
}

/** An image's format and pixel size, read from its header (PNG IHDR, JPEG SOFn, GIF screen). */
export function describeImage(mime: string, base64: string): string {
  const bytes = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  const size = imageSize(bytes);
  return size ? `${mime} ${size.width}x${size.height}` : `${mime} (size unreadable)`;
}

function imageSize(b: Buffer): { width: number; height: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47)
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF')
    return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i + 9 < b.length;) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      const length = b.readUInt16BE(i + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
      i += 2 + length;
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    2,
  );
}

/** One difference between the stored and the fresh items of a cell. */
export interface Mismatch {
  position: number;
  expected?: Item;
  got?: Item;
}

/** Compares item by item; a missing or extra output is a mismatch too. */
export function compareItems(expected: readonly Item[], got: readonly Item[]): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < Math.max(expected.length, got.length); i++) {
    const e = expected[i];
    const g = got[i];
    if (!e || !g || e.label !== g.label || e.text !== g.text) mismatches.push({ position: i, expected: e, got: g });
  }
  return mismatches;
}
