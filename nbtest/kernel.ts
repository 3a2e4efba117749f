/**
 * Runs nbexec.py (nbclient, with the Jupyter kernel named `kernel`, or the notebook's own)
 * on one notebook and collects the JSON lines it writes: one per executed cell, then the
 * final outputs.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { Output } from './outputs';

export interface KernelError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface CellRun {
  index: number;
  status: 'ok' | 'error' | 'abort' | 'timeout' | 'dead';
  error: KernelError | null;
  outputs: Output[];
  seconds: number;
}

export interface NotebookRun {
  /** The `status` of the kernel's kernel_info_reply, which the Jupyter spec requires ("ok"). */
  kernelInfoStatus?: string;
  cells: Map<number, CellRun>;
  /** The driver's stderr: kernel start-up failures and nbclient warnings. */
  stderr: string;
  exitCode: number | null;
}

export interface ExecuteOptions {
  /** A Python with nbclient. */
  python: string;
  /** The Jupyter kernel; when absent, the one the notebook's kernelspec names. */
  kernel?: string;
  timeoutSeconds: number;
  skip: number[];
  env: NodeJS.ProcessEnv;
  onCell?: (cell: CellRun) => void;
}

export const DRIVER = path.join(__dirname, 'nbexec.py');

export function executeNotebook(notebook: string, opts: ExecuteOptions): Promise<NotebookRun> {
  const args = [DRIVER, notebook, '--timeout', String(opts.timeoutSeconds)];
  if (opts.kernel !== undefined) args.push('--kernel', opts.kernel);
  if (opts.skip.length > 0) args.push('--skip', opts.skip.join(','));
  const child = spawn(opts.python, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const cells = new Map<number, CellRun>();
  let kernelInfoStatus: string | undefined;
  let stderr = '';
  let pending = '';
  let badLine: string | undefined;
  const onLine = (line: string): void => {
    if (!line.trim() || badLine !== undefined) return;
    let event: { event: string } & Partial<CellRun> & { outputs?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      // Something else writes to the driver's stdout (a sitecustomize, a chatty library):
      // what follows cannot be trusted, so stop the run and say what came.
      badLine = line;
      // SIGINT lets nbclient shut its kernel down; SIGKILL if it does not end soon.
      child.kill('SIGINT');
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 10_000).unref();
      return;
    }
    if (event.event === 'kernel') {
      kernelInfoStatus = (event as { status?: string }).status;
    } else if (event.event === 'cell') {
      const cell = event as unknown as CellRun;
      cells.set(cell.index, cell);
      opts.onCell?.(cell);
    } else if (event.event === 'final') {
      // Display updates from later cells land in earlier cells' outputs, as in a saved notebook.
      for (const [index, outputs] of Object.entries(event.outputs as unknown as Record<string, Output[]>)) {
        const cell = cells.get(Number(index));
        if (cell) cell.outputs = outputs;
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', (e) =>
      reject(new Error(`Expected to start the notebook driver with ${opts.python}, got ${e.message} (--python)`)),
    );
    child.on('close', (code) => {
      onLine(pending);
      if (badLine === undefined) {
        resolve({ kernelInfoStatus, cells, stderr, exitCode: code });
        return;
      }
      const shown = badLine.length > 200 ? `${badLine.slice(0, 200)}…` : badLine;
      reject(
        new Error(
          `Expected every line that ${path.basename(DRIVER)} (run by ${opts.python}) prints on stdout to be ` +
            `one JSON event, got ${JSON.stringify(shown)} (is something else in that Python writing to stdout?)`,
        ),
      );
    });
  });
}
