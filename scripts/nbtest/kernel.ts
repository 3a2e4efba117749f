/**
 * Runs scripts/nbexec.py (nbclient, the Jupyter kernel named `kernel`) on one notebook
 * and collects the JSON lines it writes: one per executed cell, then the final outputs.
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
  python: string;
  kernel: string;
  timeoutSeconds: number;
  skip: number[];
  env: NodeJS.ProcessEnv;
  onCell?: (cell: CellRun) => void;
}

const DRIVER = path.join(__dirname, '..', 'nbexec.py');

export function executeNotebook(notebook: string, opts: ExecuteOptions): Promise<NotebookRun> {
  const args = [DRIVER, notebook, '--kernel', opts.kernel, '--timeout', String(opts.timeoutSeconds)];
  if (opts.skip.length > 0) args.push('--skip', opts.skip.join(','));
  const child = spawn(opts.python, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const cells = new Map<number, CellRun>();
  let kernelInfoStatus: string | undefined;
  let stderr = '';
  let pending = '';
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    const event = JSON.parse(line) as { event: string } & Partial<CellRun> & { outputs?: unknown };
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
    child.on('error', (e) => reject(new Error(`Expected to start the notebook driver with ${opts.python}, got ${e.message}; run \`npm run setup\``)));
    child.on('close', (code) => {
      onLine(pending);
      resolve({ kernelInfoStatus, cells, stderr, exitCode: code });
    });
  });
}
