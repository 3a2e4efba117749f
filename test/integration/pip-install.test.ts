// scripts/pip-install.sh (set-up step 2): where pip cannot get a requirement, one line that
// names it and says how to get it. Offline by construction: no index, an empty find-links folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pip-install-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function pipInstall(...args: string[]): { status: number | null; lines: string[] } {
  const wheels = path.join(dir, 'no-wheels');
  fs.mkdirSync(wheels, { recursive: true });
  // --ignore-installed: nbval is in .venv already; --dry-run: nothing is installed either way.
  const r = spawnSync(
    'bash',
    [path.join(ROOT, 'scripts', 'pip-install.sh'), PYTHON, '--dry-run', '--ignore-installed', ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels },
    },
  );
  return { status: r.status, lines: (r.stdout + r.stderr).trimEnd().split('\n') };
}

test('where pip cannot get nbval, set-up stops with one line saying what is missing and how to get it', () => {
  const requirements = path.join(dir, 'requirements.txt');
  fs.writeFileSync(requirements, 'nbval==0.11.0\n');
  const { status, lines } = pipInstall('-r', requirements);
  assert.equal(status, 1);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(
    lines[0]!,
    /^setup: pip could not get nbval==0\.11\.0 from its index or find-links; .*https:\/\/pypi\.org\/project\/nbval\/.*append that folder to PIP_FIND_LINKS/,
  );
});

test("any other pip failure shows pip's own output, then says which install failed", () => {
  const { status, lines } = pipInstall('--no-such-option');
  assert.equal(status, 1);
  assert.ok(lines.length > 1, lines.join('\n'));
  assert.match(
    lines.at(-1)!,
    /^setup: pip install --dry-run --ignore-installed --no-such-option failed \(pip's output above\)$/,
  );
});
