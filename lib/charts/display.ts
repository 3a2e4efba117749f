/**
 * Figures in the cell output, through the kernel's display channel (lib/kernel/display.ts).
 *
 * A figure goes out as one mime bundle: the Plotly JSON, which JupyterLab 4
 * renders interactively (jupyterlab-plotly, from the `plotly` Python package),
 * plus a one-line `text/plain` for front ends without a Plotly renderer. Saving
 * the notebook from JupyterLab adds an `image/png` snapshot to the same output,
 * and scripts/render-static.ts adds one after a headless run, so GitHub and the
 * nbconvert HTML export show the charts too. No plotly.js is embedded.
 */
import { kernelWriter, newSlot, published, type DisplayWriter, type MimeBundle } from '../kernel/display';
import { figureSummary, PLOTLY_MIME, type Figure } from './plotly';

/** The mime bundle of a figure: Plotly JSON plus a text summary. */
function figureBundle(figure: Figure): MimeBundle {
  return { [PLOTLY_MIME]: figure, 'text/plain': figureSummary(figure) };
}

/** Shows a Plotly figure in the cell output; await it at the end of a cell (see `DENO_PUBLISH_MS`). */
export function showFigure(figure: Figure, write: DisplayWriter = kernelWriter()): Promise<void> {
  write({ data: figureBundle(figure), metadata: {}, transient: {} }, false);
  return published();
}

/** A chart that is redrawn in place, e.g. accuracy after each epoch. */
export interface LiveFigure {
  /** Redraws it; resolves as `showFigure` does. */
  update(figure: Figure): Promise<void>;
}

/**
 * Shows `initial` and returns a handle whose `update` replaces that same
 * output with a new figure.
 *
 * JupyterLab hands an update of the same mime type to the existing renderer,
 * and jupyterlab-plotly's renderer ignores a new model once it has drawn a
 * graph. So each update first swaps the output to its text summary (a
 * different renderer), then to the new figure, which JupyterLab renders with a
 * fresh Plotly renderer. nbclient and the stored notebook keep the last bundle.
 */
export function liveFigure(initial: Figure, write: DisplayWriter = kernelWriter()): LiveFigure {
  const slot = newSlot(write);
  slot.show(figureBundle(initial));
  return {
    update(figure) {
      slot.show({ 'text/plain': figureSummary(figure) });
      slot.show(figureBundle(figure));
      return published();
    },
  };
}
