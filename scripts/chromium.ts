// Headless Chromium for scripts/render-static.ts and the browser test: Debian's chromium
// (or CHROMIUM_PATH), driven by playwright-core, with no browser download.
import * as fs from 'fs';
import { chromium, type Browser } from 'playwright-core';

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

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; throws if it is not there. */
export function chromiumPath(): string {
  const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(exe)) {
    throw new Error(`Expected Chromium at ${exe} (set CHROMIUM_PATH, or install Debian's chromium), found nothing`);
  }
  return exe;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
