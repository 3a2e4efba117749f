// The notebook in a real browser: JupyterLab from .venv on localhost, headless Chromium
// (the one scripts/chromium.ts finds; skipped, saying so, where there is none) driven by
// playwright-core, Run All Cells on the small MNIST subset of test/fixtures/mnist-subset/
// (MNIST_DATA_DIR, which the kernel inherits), so it takes seconds.
//
//   npm run test:e2e -- [notebook]      (default: notebooks/rnn-mnist.ipynb)
//
// Asserts: no error (nor stderr) output; the five per-epoch lines; every Plotly output of the stored
// notebook rendered as an SVG chart. Saves test-artifacts/<notebook>.png. Autosave is off
// and the test checks that the notebook file is unchanged; all Jupyter state lives in a
// temporary folder, removed at the end.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PLOTLY_MIME } from '../../../lib/charts/plotly';
import { findChromium, launchChromium, missingBrowserLine } from '../../../scripts/chromium';
import { skipping } from '../../helpers/skip';

const ROOT = path.join(__dirname, '..', '..', '..');
const NOTEBOOK = path.resolve(process.argv[2] ?? path.join(ROOT, 'notebooks', 'rnn-mnist.ipynb'));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const EPOCH_LINE = /^(\d+) Train accuracy: [\d.]+ Test accuracy: [\d.]+$/gm;
const RUN_ALL_LIMIT_MS = 10 * 60_000;
const TEST_NAME = `Run All Cells in JupyterLab, headless Chromium: ${path.relative(ROOT, NOTEBOOK)}`;
const browserFound = findChromium();
const skip = 'missing' in browserFound && skipping(TEST_NAME, missingBrowserLine(browserFound.missing));

let lab: ChildProcess | undefined;
let labLog = '';
let browser: Browser | undefined;
let page: Page;
let tmp: string;
let notebookHash: string;

// Only what the page functions below use; tsconfig has no DOM library.
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
};

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

async function waitForServer(url: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (lab?.exitCode != null)
      throw new Error(`Expected JupyterLab to keep running, it exited with ${lab.exitCode}:\n${labLog}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Expected JupyterLab to answer ${url} within ${limitMs / 1000} s, got no answer:\n${labLog}`);
}

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(NOTEBOOK), `Expected a notebook at ${NOTEBOOK}, got nothing there`);
  notebookHash = sha256(NOTEBOOK);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-e2e-'));
  const settings = path.join(tmp, 'settings');
  // A test run must never overwrite the stored outputs; and every cell must be in the DOM,
  // not only those scrolled into view, so that every chart renders.
  writeJson(path.join(settings, '@jupyterlab', 'docmanager-extension', 'plugin.jupyterlab-settings'), {
    autosave: false,
  });
  writeJson(path.join(settings, '@jupyterlab', 'notebook-extension', 'tracker.jupyterlab-settings'), {
    windowingMode: 'none',
  });
  // No news pop-up over the screenshot, and no attempt to reach the network for it.
  writeJson(path.join(settings, '@jupyterlab', 'apputils-extension', 'notification.jupyterlab-settings'), {
    fetchNews: 'false',
    checkForUpdates: false,
  });
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const env = {
    ...process.env,
    MNIST_DATA_DIR: path.join(ROOT, 'test', 'fixtures', 'mnist-subset'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
    // The venv's own share/jupyter (the tslab kernel spec, the Plotly renderer) is still searched.
    JUPYTER_DATA_DIR: path.join(tmp, 'data'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
    JUPYTERLAB_SETTINGS_DIR: settings,
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
  };
  lab = spawn(
    path.join(ROOT, '.venv', 'bin', 'jupyter'),
    [
      'lab',
      '--no-browser',
      '--allow-root',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${ROOT}`,
      // Checkpoints (an absolute path wins over the default .ipynb_checkpoints beside the notebook).
      `--FileCheckpoints.checkpoint_dir=${path.join(tmp, 'checkpoints')}`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  lab.stdout?.on('data', (d: Buffer) => (labLog += d.toString()));
  lab.stderr?.on('data', (d: Buffer) => (labLog += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  await waitForServer(`${base}/api/status?token=${token}`, 60_000);
  const specs = (await (await fetch(`${base}/api/kernelspecs?token=${token}`)).json()) as {
    kernelspecs: Record<string, unknown>;
  };
  assert.ok(
    'tslab' in specs.kernelspecs,
    `Expected JupyterLab to find the tslab kernel, got ${Object.keys(specs.kernelspecs).join(', ')}`,
  );

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // A fresh workspace each time: JupyterLab would otherwise restore old tabs.
  const workspace = `e2e-${randomBytes(4).toString('hex')}`;
  const relative = path.relative(ROOT, NOTEBOOK).split(path.sep).map(encodeURIComponent).join('/');
  await page.goto(`${base}/lab/workspaces/${workspace}/tree/${relative}?token=${token}`);
});

after(async () => {
  await browser?.close();
  if (lab && lab.exitCode == null) {
    const exited = new Promise((r) => lab?.once('exit', r));
    lab.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (lab.exitCode == null) lab.kill('SIGKILL');
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitForKernelIdle(limitMs: number): Promise<void> {
  try {
    await page.waitForFunction(
      () => /\|\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent ?? ''),
      undefined,
      { timeout: limitMs, polling: 250 },
    );
  } catch (e) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'kernel-not-idle.png') });
    const bar = await page
      .locator('#jp-main-statusbar')
      .textContent()
      .catch(() => null);
    throw new Error(
      `Expected the status bar to show the kernel idle within ${limitMs / 1000} s, got ${JSON.stringify(bar)} ` +
        `(screenshot test-artifacts/kernel-not-idle.png):\n${labLog.split('\n').slice(-30).join('\n')}`,
      { cause: e },
    );
  }
}

test(TEST_NAME, { timeout: RUN_ALL_LIMIT_MS + 120_000, skip }, async () => {
  const started = Date.now();
  // Before the kernel is idle, Run All silently does nothing.
  await waitForKernelIdle(60_000);
  const pageReady = (Date.now() - started) / 1000;
  const codeCells = await page.locator('.jp-Notebook .jp-CodeCell').count();
  assert.ok(codeCells > 0, 'Expected the notebook to show code cells, got none');

  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  // Done when no cell waits ([*]), some ran, and the kernel is idle again; after an error,
  // JupyterLab drops the cells still queued, so not every cell need have run.
  const prompts = page.locator('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt');
  await page.waitForFunction(
    () => {
      const texts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')).map(
        (p) => p.textContent ?? '',
      );
      return (
        texts.some((t) => /\[\d+\]/.test(t)) &&
        !texts.some((t) => t.includes('[*]')) &&
        /\|\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent ?? '')
      );
    },
    undefined,
    { timeout: RUN_ALL_LIMIT_MS, polling: 500 },
  );
  const ranFor = (Date.now() - started) / 1000 - pageReady;

  // A screenshot of the whole executed notebook, whatever happens below.
  const height = Math.max(
    ...(await page
      .locator('.jp-Notebook, .jp-WindowedPanel-outer, .jp-WindowedPanel-viewport')
      .evaluateAll((els) => els.map((el) => el.scrollHeight))),
  );
  await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height + 200, 1000), 16_000) });
  await page.waitForTimeout(500);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, `${path.basename(NOTEBOOK, '.ipynb')}.png`);
  await page.screenshot({ path: shot });
  // And one of the training cell's outputs: progress line, accuracy chart, the epoch lines.
  const trainingOutput = page.locator('.jp-OutputArea-output', { hasText: /\b4 Train accuracy:/ });
  if ((await trainingOutput.count()) > 0) {
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.waitForTimeout(300);
    await trainingOutput.first().evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, `${path.basename(NOTEBOOK, '.ipynb')}-training.png`) });
  }

  // JupyterLab renders an error output (and stderr text) as application/vnd.jupyter.stderr:
  // a clean run shows neither.
  const errors = await page
    .locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    .allTextContents();
  assert.deepEqual(errors, [], `Expected no error output, got ${errors.length}:\n${errors.join('\n---\n')}`);
  const ran = (await prompts.allTextContents()).filter((t) => /\[\d+\]/.test(t)).length;
  assert.equal(ran, codeCells, `Expected all ${codeCells} code cells to have run, got ${ran}`);

  const text = (await page.locator('.jp-OutputArea-output').allTextContents()).join('\n');
  const epochs = [...text.matchAll(EPOCH_LINE)].map((m) => Number(m[1]));
  assert.deepEqual(
    epochs,
    [0, 1, 2, 3, 4],
    `Expected the five per-epoch lines, got:\n${text.match(EPOCH_LINE)?.join('\n') ?? '(none)'}`,
  );

  const stored = JSON.parse(fs.readFileSync(NOTEBOOK, 'utf8')) as {
    cells: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  const storedCharts = stored.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data?.[PLOTLY_MIME] !== undefined).length;
  // jupyterlab-plotly's output widget is itself the .js-plotly-plot element.
  const charts = page.locator('.jp-OutputArea .js-plotly-plot');
  const rendered = await charts.evaluateAll((els) => els.map((el) => el.querySelector('svg.main-svg') !== null));
  assert.ok(storedCharts > 0, `Expected the stored notebook to hold Plotly outputs, got none`);
  assert.deepEqual(
    rendered,
    new Array<boolean>(storedCharts).fill(true),
    `Expected ${storedCharts} Plotly chart(s), each with an SVG inside, got ${JSON.stringify(rendered)}`,
  );

  // The accuracy chart is redrawn in place after each epoch (lib/charts/display.ts liveFigure):
  // the page, not just the stored notebook, must end showing all five epochs.
  const titles = await page.locator('.jp-OutputArea .js-plotly-plot .gtitle').allTextContents();
  const accuracyTitles = titles.filter((t) => t.startsWith('Accuracy per epoch'));
  // No title at all (chart not drawn, or its title lost) fails here too: the list must be exactly this.
  assert.deepEqual(
    accuracyTitles,
    ['Accuracy per epoch (5 of 5)'],
    `Expected the live accuracy chart, titled "Accuracy per epoch (5 of 5)", got chart titles ${JSON.stringify(titles)}`,
  );

  assert.equal(sha256(NOTEBOOK), notebookHash, `Expected ${NOTEBOOK} unchanged by the test run, it was rewritten`);
  console.log(
    `e2e: page with kernel idle in ${pageReady.toFixed(1)} s; Run All took ${ranFor.toFixed(1)} s; ` +
      `${codeCells} code cells, ${storedCharts} chart(s); screenshot ${path.relative(ROOT, shot)}`,
  );
});
