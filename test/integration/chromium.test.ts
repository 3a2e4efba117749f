// scripts/chromium.ts: where the browser tests and the PNG export find a browser, and what
// happens where none is on the machine and Playwright's download host cannot be reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { findChromium, installChromium, missingBrowserLine, systemBrowsers } from '../../scripts/chromium';

test('the machine browsers are tried in the order Debian, Ubuntu, snap, Google Chrome; on macOS the apps', () => {
  assert.deepEqual(systemBrowsers('linux').slice(0, 2), ['/usr/bin/chromium', '/usr/bin/chromium-browser']);
  assert.ok(systemBrowsers('linux').includes('/usr/bin/google-chrome'));
  assert.deepEqual(systemBrowsers('darwin', '/Users/ada'), [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Users/ada/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Users/ada/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ]);
  assert.deepEqual(systemBrowsers('win32'), []);
});

test('CHROMIUM_PATH wins, and naming nothing is reported rather than passed over', () => {
  assert.deepEqual(findChromium({ CHROMIUM_PATH: process.execPath }), { path: process.execPath });
  const found = findChromium({ CHROMIUM_PATH: '/nonexistent/chrome' });
  assert.deepEqual(found, { missing: 'CHROMIUM_PATH is /nonexistent/chrome, where there is no file' });
  assert.match(missingBrowserLine('missing' in found ? found.missing : ''), /get it with `npm run browser:install`/);
});

/** A port on which nothing listens: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test(
  "Playwright's download, with its host unreachable, fails with its reason and leaves no browser",
  { timeout: 120_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playwright-'));
    const host = process.env.PLAYWRIGHT_DOWNLOAD_HOST;
    process.env.PLAYWRIGHT_DOWNLOAD_HOST = `http://127.0.0.1:${await closedPort()}`;
    try {
      assert.throws(
        () => installChromium(dir),
        new RegExp(`^Error: Playwright's download of Chromium into ${dir} failed: Error: connect ECONNREFUSED`),
      );
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => !f.startsWith('.')),
        [],
        'no browser folder, whole or half',
      );
    } finally {
      if (host === undefined) delete process.env.PLAYWRIGHT_DOWNLOAD_HOST;
      else process.env.PLAYWRIGHT_DOWNLOAD_HOST = host;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
