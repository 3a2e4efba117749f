/**
 * Headless Chromium for scripts/render-static.ts and the browser tests, found the way a
 * Playwright user expects, first match wins:
 *   1. `CHROMIUM_PATH`;
 *   2. a Chromium or Google Chrome installed on the machine (Debian's and Ubuntu's `chromium`,
 *      Chrome's packages, the macOS apps);
 *   3. Playwright's own Chromium, in the project's `.cache/ms-playwright/` (what
 *      `npm run browser:install` downloads) or in Playwright's default folder.
 *
 *   node --import tsx scripts/chromium.ts find       print the browser's path, or why there is none (exit 1)
 *   node --import tsx scripts/chromium.ts install    Playwright's download of Chromium into .cache/ms-playwright
 *   node --import tsx scripts/chromium.ts ensure     find, else install; never fails (the tests then skip)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..');

/** Where `npm run browser:install` puts Playwright's Chromium: the project's own cache. */
export const PLAYWRIGHT_DIR = path.join(ROOT, '.cache', 'ms-playwright');

/** The command that gets a browser where none is found. */
export const INSTALL_COMMAND = 'npm run browser:install';

/** The flags that keep headless Chromium off the network and quiet in containers. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where Chromium and Chrome install themselves, in the order they are tried. */
export function systemBrowsers(platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string[] {
  if (platform === 'darwin') {
    const apps = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome'];
    return ['/Applications', path.join(home, 'Applications')].flatMap((dir) => apps.map((app) => path.join(dir, app)));
  }
  if (platform === 'linux') {
    return [
      '/usr/bin/chromium', // Debian
      '/usr/bin/chromium-browser', // Ubuntu, Fedora
      '/snap/bin/chromium',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
    ];
  }
  return [];
}

/**
 * Where this playwright-core keeps its Chromium under `browsersPath` (PLAYWRIGHT_BROWSERS_PATH;
 * undefined for Playwright's default folder). playwright-core reads that variable once, when it
 * loads, so a child process asks it.
 */
function playwrightChromium(browsersPath: string | undefined): string | null {
  const env = { ...process.env };
  if (browsersPath === undefined) delete env.PLAYWRIGHT_BROWSERS_PATH;
  else env.PLAYWRIGHT_BROWSERS_PATH = browsersPath;
  const r = spawnSync(
    process.execPath,
    ['-e', "process.stdout.write(require('playwright-core').chromium.executablePath())"],
    { cwd: ROOT, env, encoding: 'utf8' },
  );
  return r.status === 0 && r.stdout ? r.stdout : null;
}

/** A browser that was found, or what was looked for. */
export type Found = { path: string } | { missing: string };

/** The first browser of the list above; `CHROMIUM_PATH` naming nothing is an error, not a fallthrough. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): Found {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (fs.existsSync(chosen)) return { path: chosen };
    return { missing: `CHROMIUM_PATH is ${chosen}, where there is no file` };
  }
  const candidates = [
    ...systemBrowsers(),
    playwrightChromium(PLAYWRIGHT_DIR),
    playwrightChromium(env.PLAYWRIGHT_BROWSERS_PATH),
  ].filter((p): p is string => p !== null);
  const found = candidates.find((p) => fs.existsSync(p));
  if (found) return { path: found };
  const [first, ...others] = candidates;
  return {
    missing: `no Chromium or Chrome (CHROMIUM_PATH is unset, and ${first} and ${others.length} other usual paths, Playwright's folders among them, hold none)`,
  };
}

/** One line for a test that is skipped for want of a browser: what is missing and how to get it. */
export function missingBrowserLine(missing: string): string {
  return `needs headless Chromium, found ${missing}; get it with \`${INSTALL_COMMAND}\` (Playwright's Chromium, into .cache/ms-playwright), or \`apt-get install chromium\`, or set CHROMIUM_PATH`;
}

/**
 * Playwright's own download of Chromium (no headless shell: the full browser runs headless too)
 * into `dir`. Its progress goes to this process's stdout.
 * @returns the browser's path
 * @throws naming the download's error when it fails (offline, a firewall)
 */
export function installChromium(dir: string = PLAYWRIGHT_DIR): string {
  // cli.js is not in the package's exports; its folder is found through package.json, which is.
  const cli = path.join(path.dirname(require.resolve('playwright-core/package.json')), 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'install', '--no-shell', 'chromium'], {
    cwd: ROOT,
    env: { ...process.env, PLAYWRIGHT_BROWSERS_PATH: dir },
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (r.status !== 0) {
    const lines = `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().split('\n');
    const reason = lines.find((l) => /^Error: /.test(l)) ?? lines[lines.length - 1] ?? `exit code ${r.status}`;
    throw new Error(`Playwright's download of Chromium into ${dir} failed: ${reason.trim()}`);
  }
  const exe = playwrightChromium(dir);
  if (exe === null || !fs.existsSync(exe)) {
    throw new Error(`Expected Playwright's Chromium in ${dir} after its download, found none`);
  }
  return exe;
}

/** The browser of `findChromium`; throws the one line of `missingBrowserLine` when there is none. */
export function chromiumPath(): string {
  const found = findChromium();
  if ('path' in found) return found.path;
  throw new Error(`Expected a browser: this ${missingBrowserLine(found.missing)}`);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}

function main(command: string | undefined): number {
  const say = (line: string) => console.log(`browser: ${line}`);
  const found = findChromium();
  if (command === 'find') {
    if ('path' in found) console.log(found.path);
    else console.error(`browser: ${missingBrowserLine(found.missing)}`);
    return 'path' in found ? 0 : 1;
  }
  if (command !== 'install' && command !== 'ensure') {
    console.error('usage: node --import tsx scripts/chromium.ts find|install|ensure');
    return 2;
  }
  if ('path' in found && command === 'ensure') return 0;
  if ('path' in found && !process.env.CHROMIUM_PATH && !found.path.startsWith(PLAYWRIGHT_DIR)) {
    say(`using ${found.path}, found on this machine; nothing to download`);
    return 0;
  }
  say(`downloading Playwright's Chromium into ${path.relative(ROOT, PLAYWRIGHT_DIR)}/ (once, about 170 MB)`);
  try {
    say(`installed ${installChromium()}`);
    return 0;
  } catch (e) {
    const message = (e as Error).message;
    // `ensure` is set-up for the tests: without a browser, those that need one are skipped.
    if (command === 'ensure') say(`${message}; the tests that need a browser will be skipped`);
    else console.error(`browser: ${message}`);
    return command === 'ensure' ? 0 : 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv[2]);
