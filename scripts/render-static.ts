/**
 * Adds a static PNG to every Plotly output of a saved notebook, so the charts
 * show where no JavaScript runs: GitHub's notebook view and the nbconvert HTML
 * export (offline). JupyterLab itself keeps rendering the interactive chart from
 * the Plotly JSON beside it.
 *
 *   node --import tsx scripts/render-static.ts notebooks/rnn-mnist.ipynb [more.ipynb …]
 *
 * Renders with the project's own plotly.js-dist in headless Chromium (no network),
 * replaces an existing image/png (so a second run changes nothing), and writes
 * the notebook atomically in Jupyter's own JSON layout (sorted keys, indent 1).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PLOTLY_MIME } from '../lib/charts/plotly';
import { launchChromium } from './chromium';

const DEFAULT_WIDTH = 700;
const DEFAULT_HEIGHT = 450;

/** A blank page with plotly.js-dist loaded from node_modules and every request off the machine refused. */
export async function plotlyPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.route(/^(?!data:|about:)/, (route) => route.abort());
  await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"></body></html>');
  await page.addScriptTag({ path: require.resolve('plotly.js-dist') });
  return page;
}

interface FigureJson {
  data?: unknown[];
  layout?: { width?: number; height?: number; title?: { text?: string } | string };
  config?: object;
}

/**
 * Alternative text for a figure's PNG: its title without markup, as nbconvert's
 * HTML export puts it in the image's `alt` (and warns where there is none).
 */
export function altText(figure: FigureJson): string {
  const title = figure.layout?.title;
  const text = (typeof title === 'string' ? title : (title?.text ?? ''))
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain ? `Chart: ${plain}` : 'Chart';
}

/** Renders one Plotly figure to PNG bytes at its own layout size (or 700x450), scale 1. */
export async function renderFigurePng(page: Page, figure: FigureJson): Promise<Buffer> {
  const width = figure.layout?.width ?? DEFAULT_WIDTH;
  const height = figure.layout?.height ?? DEFAULT_HEIGHT;
  const dataUrl = await page.evaluate(
    async ({ fig, width, height }) => {
      // plotly.js-dist sets window.Plotly; the page is ours and holds nothing else.
      const Plotly = (globalThis as unknown as { Plotly: { toImage(f: object, o: object): Promise<string> } }).Plotly;
      return Plotly.toImage(
        { data: fig.data ?? [], layout: fig.layout ?? {}, config: fig.config ?? {} },
        { format: 'png', width, height, scale: 1 },
      );
    },
    { fig: figure, width, height },
  );
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) {
    throw new Error(`Expected Plotly.toImage to return a PNG data URL, got ${dataUrl.slice(0, 40)}…`);
  }
  return Buffer.from(dataUrl.slice(prefix.length), 'base64');
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
interface Notebook {
  cells: { cell_type: string; outputs?: Output[] }[];
}

/** JSON as nbformat writes it (sorted keys, indent 1, newline at the end), so saving in JupyterLab gives no diff. */
export function notebookJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 1) + '\n';
}

/** Writes through a temporary file in the same folder and a rename: a reader never sees half a notebook. */
export function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Adds (or replaces) `image/png`, with its alternative text in the output's
 * metadata, on every output of `notebookPath` that carries Plotly JSON.
 * @returns how many figures were rendered
 */
export async function renderNotebookPlots(notebookPath: string, browser?: Browser): Promise<number> {
  const text = fs.readFileSync(notebookPath, 'utf8');
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (err) {
    throw new Error(`Expected ${notebookPath} to be a notebook (JSON), got a parse error: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!Array.isArray(nb.cells)) {
    throw new Error(`Expected ${notebookPath} to have a \`cells\` array (nbformat 4), got ${typeof nb.cells}`);
  }
  const outputs = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter(
      (o) =>
        (o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data?.[PLOTLY_MIME] !== undefined,
    );
  if (outputs.length === 0) return 0;

  const own = browser === undefined;
  const b = browser ?? (await launchChromium());
  try {
    const page = await plotlyPage(b);
    for (const out of outputs) {
      const data = out.data as Record<string, unknown>;
      let figure = data[PLOTLY_MIME];
      // nbformat allows a JSON mime bundle to be stored as a string.
      if (typeof figure === 'string') figure = JSON.parse(figure);
      const png = await renderFigurePng(page, figure as FigureJson);
      data['image/png'] = png.toString('base64');
      const metadata = out.metadata ?? {};
      metadata['image/png'] = { ...(metadata['image/png'] as object | undefined), alt: altText(figure as FigureJson) };
      out.metadata = metadata;
    }
    await page.close();
  } finally {
    if (own) await b.close();
  }
  writeAtomically(notebookPath, notebookJson(nb));
  return outputs.length;
}

async function main(files: string[]): Promise<void> {
  if (files.length === 0) {
    throw new Error('Expected notebook paths: node --import tsx scripts/render-static.ts NOTEBOOK.ipynb …');
  }
  const browser = await launchChromium();
  try {
    for (const file of files) {
      const n = await renderNotebookPlots(file, browser);
      console.log(`render-static: ${file}: ${n} Plotly figure${n === 1 ? '' : 's'} rendered to PNG`);
    }
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`render-static: ${(err as Error).message}`);
    process.exit(1);
  });
}
