// Every path that the project's own files name (in comments, docstrings and code alike) exists:
// a comment that sends the reader to a file that has moved or gone misleads the next reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const FOLDERS = ['lib', 'tracer', 'test', 'bench', 'nbtest', 'scripts', '.ci'];
const SOURCE = /\.(ts|mts|js|mjs|py|sh|md)$|^run$/;
// A project path: one of the top folders, then its rest, not preceded by a path character
// (so `../lib/x` in a notebook, or `node_modules/x/lib/y`, are not taken as the project's).
const NAMED = /(?<![\w./@-])((?:lib|tracer|test|bench|nbtest|scripts|notebooks|patches)\/[\w./-]*[\w/])/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'mnist-subset' ? [] : sourceFiles(full);
    return SOURCE.test(entry.name) ? [full] : [];
  });
}

/** The project paths named in `text` that do not exist, as `line: path`. */
export function missingPaths(text: string, exists: (p: string) => boolean): string[] {
  return text.split('\n').flatMap((line, i) =>
    [...line.matchAll(NAMED)]
      .map((m) => (m[1] as string).replace(/\.$/, ''))
      .filter((p) => !exists(p))
      .map((p) => `${i + 1}: ${p}`),
  );
}

test('a path named in a comment that does not exist is found (the check can fail)', () => {
  const gone = ['lib', 'data.ts'].join('/'); // spelled in parts, so that this file names no missing path
  const text = `// see ${gone} for the reader\n# and scripts/setup.sh, and lib/model/\n`;
  const exists = (p: string) => ['scripts/setup.sh', 'lib/model/'].includes(p);
  assert.deepEqual(missingPaths(text, exists), [`1: ${gone}`]);
});

test(`every lib/, test/, scripts/… path named in ${FOLDERS.join(', ')} exists`, () => {
  // From the project's root, or (as a folder's README names its own parts) from the file's folder.
  const missing = FOLDERS.flatMap((folder) =>
    sourceFiles(path.join(ROOT, folder)).flatMap((file) => {
      const exists = (p: string) => [ROOT, path.dirname(file)].some((from) => fs.existsSync(path.join(from, p)));
      return missingPaths(fs.readFileSync(file, 'utf8'), exists).map((m) => `${path.relative(ROOT, file)}:${m}`);
    }),
  );
  assert.deepEqual(missing, [], `Expected every named path to exist, found these missing:\n${missing.join('\n')}`);
});
