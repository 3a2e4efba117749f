/**
 * nbval's sanitizer file: `regex:` / `replace:` pairs, applied in file order to every
 * text of both the stored and the fresh outputs before they are compared.
 *
 *     # comments, and [section] headers to group pairs, are optional
 *     [accuracy]
 *     regex: \d\.\d+
 *     replace: ACC
 *
 * Read as nbval reads it: a pair is a line starting `regex: ` directly followed by a line
 * starting `replace: `, anywhere in the file (before any section too); sections are only
 * labels. Where nbval silently skips a line (a `regex:` with no `replace:` under it, a
 * `regex:x` without the space, stray text), this parser throws, naming the line.
 */
import * as fs from 'fs';

export interface SanitizeRule {
  /** The [section] the pair is in, '' before any. */
  section: string;
  regex: RegExp;
  replace: string;
}

const REGEX = 'regex: ';
const REPLACE = 'replace: ';

/** Parses the text of an nbval sanitizer file (Python regexes and replacement strings). */
export function parseSanitizeConfig(text: string, file = 'sanitizer file'): SanitizeRule[] {
  const lines = text.split(/\r?\n/);
  // nbval keeps the pairs in a dict keyed by the regex: a repeated regex keeps its first
  // place and takes the last replacement.
  const rules = new Map<string, SanitizeRule>();
  let section = '';
  const where = (i: number): string => `${file}:${i + 1}`;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (raw.startsWith(REGEX)) {
      const next = lines[i + 1];
      if (next === undefined || !next.startsWith(REPLACE)) {
        throw new Error(
          `${where(i + 1)}: expected \`${REPLACE}…\` on the line right after \`${REGEX}…\` (nbval reads only such pairs), ` +
            `got ${next === undefined ? 'the end of the file' : JSON.stringify(next)}`,
        );
      }
      const pattern = raw.slice(REGEX.length);
      let regex: RegExp;
      try {
        regex = new RegExp(pythonPatternToJs(pattern), 'g');
      } catch (e) {
        throw new Error(
          `${where(i)}: expected \`regex:\` to be a valid regular expression, got ${JSON.stringify(pattern)} (${(e as Error).message})`,
          { cause: e },
        );
      }
      const replace = pythonReplacementToJs(next.slice(REPLACE.length));
      const seen = rules.get(pattern);
      if (seen) seen.replace = replace;
      else rules.set(pattern, { section, regex, replace });
      i++;
      continue;
    }
    const hint = /^\s*(regex|replace)\b/i.test(raw)
      ? ` (nbval reads \`${REGEX}…\` and \`${REPLACE}…\` only at the start of a line, one space after the colon)`
      : '';
    throw new Error(
      `${where(i)}: expected \`[section]\`, a comment, or a \`${REGEX}…\` line followed by a \`${REPLACE}…\` line, got ${JSON.stringify(raw)}${hint}`,
    );
  }
  return [...rules.values()];
}

export function readSanitizeConfig(file: string): SanitizeRule[] {
  return parseSanitizeConfig(fs.readFileSync(file, 'utf8'), file);
}

/** Applies every rule in order, as nbval's `re.sub` loop does. */
export function sanitize(text: string, rules: readonly SanitizeRule[]): string {
  return rules.reduce((s, rule) => s.replace(rule.regex, rule.replace), text);
}

// The few Python-only spellings a sanitizer file is likely to use.
function pythonPatternToJs(pattern: string): string {
  return pattern.replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>');
}

function pythonReplacementToJs(replace: string): string {
  return replace
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\d+)>/g, '$$$1')
    .replace(/\\g<([A-Za-z_]\w*)>/g, '$$<$1>')
    .replace(/\\(\d)/g, '$$$1')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}
