// scripts/setup.sh on an unsupported Node: one line naming what it found and what is
// supported, before it installs anything (a stand-in `npm` records any call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const SETUP = path.join(ROOT, 'scripts', 'setup.sh');
const MIN = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
  .engines.node;

/** A bin/ folder with `npm` and `node` stand-ins and the few tools set-up needs before its check. */
function fakeBin(node: string | null): { bin: string; npmCalls: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-node-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const npmCalls = path.join(dir, 'npm-calls');
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "$@" >> ${npmCalls}\n`, { mode: 0o755 });
  if (node !== null) fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho ${node}\n`, { mode: 0o755 });
  for (const tool of ['dirname', 'sed', 'cat', 'sha256sum', 'cut']) {
    fs.symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(bin, tool));
  }
  return { bin, npmCalls };
}

test('engines names the oldest supported Node as >=N', () => {
  assert.match(MIN, /^>=\d+$/);
});

for (const [found, shown] of [
  ['v18.20.4', 'v18.20.4'],
  [null, 'none (no `node` on PATH)'],
] as const) {
  test(`set-up on Node ${shown} stops with one line and installs nothing`, () => {
    const { bin, npmCalls } = fakeBin(found);
    const r = spawnSync('/bin/bash', [SETUP], { encoding: 'utf8', env: { ...process.env, PATH: bin } });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `setup: found Node.js ${shown}; this project supports Node.js ${MIN.slice(2)} or newer (package.json engines)\n`,
    );
    assert.equal(fs.existsSync(npmCalls), false, 'set-up ran npm before refusing');
    fs.rmSync(path.dirname(bin), { recursive: true, force: true });
  });
}
