/**
 * The kernel glue: the one module that talks to the kernel's display channel, on tslab or on
 * Deno's kernel (`deno jupyter`): a display, a display replaced in place, and a line of text
 * replaced in place. lib/charts/display.ts sends figures through it.
 *
 * The kernel is looked for when a cell first displays something, so importing this module
 * outside a kernel (unit tests) loads nothing; displaying outside a kernel throws.
 */
import { randomBytes } from 'crypto';
import { guardDenoKernel, onDeno } from './interrupt';

/** A display_data bundle: mime type → content (JSON types as objects, text as strings). */
export type MimeBundle = Record<string, unknown>;

/** The content of a display_data / update_display_data message, as tslab sends it. */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** Sends one display message; `update` turns it into update_display_data for `transient.display_id`. */
export type DisplayWriter = (content: DisplayContent, update: boolean) => void;

interface TslabJupyter {
  lastWriteDisplayData: DisplayWriter | null;
}

/** What Deno's kernel offers (`Deno.jupyter`, present only in a `deno jupyter` kernel). */
interface DenoJupyter {
  broadcast(msgType: string, content: DisplayContent): unknown;
}

/**
 * The running kernel's message writer. On Deno's kernel, `Deno.jupyter.broadcast`, which sends
 * any message type, update_display_data included. On tslab, the function its public
 * `Display.raw` wraps: `Display.raw` sends a single mime type per message, and a bundle (Plotly
 * JSON and its text fallback together) needs the function itself. tslab is pinned to 1.0.22 in
 * package.json, and the kernel's own copy is the one resolved from lib/, so this is the very
 * function `display.raw` calls.
 */
export function kernelWriter(): DisplayWriter {
  const deno = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno?.jupyter;
  if (deno !== undefined) {
    guardDenoKernel();
    return (content, update) => void deno.broadcast(update ? 'update_display_data' : 'display_data', content);
  }
  // tslab glue: an untyped internal module, loaded only when a cell first displays something.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jupyter = require('tslab/dist/jupyter') as TslabJupyter;
  const write = jupyter.lastWriteDisplayData;
  if (typeof write !== 'function') {
    throw new Error(
      "Expected to run in a notebook cell on the tslab kernel or Deno's, found no kernel to display to (tslab has not executed a cell in this process)",
    );
  }
  return write;
}

/**
 * One output in the cell that can be replaced in place: the first `show` sends
 * display_data with a fresh display id, later ones update_display_data with the
 * same id. The id is transient (not stored in the .ipynb), so re-runs store the
 * same output.
 */
export interface Slot {
  show(bundle: MimeBundle): void;
}

export function newSlot(write: DisplayWriter = kernelWriter()): Slot {
  const id = randomBytes(8).toString('hex');
  let shown = false;
  return {
    show(bundle) {
      write({ data: bundle, metadata: {}, transient: { display_id: id } }, shown);
      shown = true;
    },
  };
}

/**
 * How long an awaited display gives Deno's kernel to publish it. That kernel queues a cell's
 * outputs (console output and displays alike, in order) for another thread to send, and reports
 * the cell done (`status: idle`) without waiting for the queue: in 400 cells run here, 9 had
 * outputs published 0.2 to 6 ms after idle, which nbclient and nbval, who stop listening at idle,
 * then lose. tslab sends each display before it returns.
 */
const DENO_PUBLISH_MS = 20;

/** Resolves once a display just written has most likely reached the front end. */
export function published(): Promise<void> {
  return onDeno() ? new Promise((resolve) => setTimeout(resolve, DENO_PUBLISH_MS)) : Promise.resolve();
}

/** A line of text that is replaced in place (progress). */
export interface TextLine {
  update(text: string): void;
}

export function liveText(write: DisplayWriter = kernelWriter()): TextLine {
  const slot = newSlot(write);
  return { update: (text) => slot.show({ 'text/plain': text }) };
}
