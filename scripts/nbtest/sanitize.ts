/**
 * nbval's sanitizer file: sections of `regex:` / `replace:` pairs, applied in file
 * order to every text of both the stored and the fresh outputs before they are compared.
 *
 *     [accuracy]
 *     regex: \d\.\d+
 *     replace: ACC
 */
import * as fs from 'fs';

export interface SanitizeRule {
  section: string;
  regex: RegExp;
  replace: string;
}

/** Parses the text of an nbval sanitizer file (Python configparser syntax, Python regexes). */
export function parseSanitizeConfig(text: string, file = 'sanitizer file'): SanitizeRule[] {
  const sections: { name: string; line: number; values: Map<string, string> }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1]!, line: i + 1, values: new Map() });
      return;
    }
    const pair = /^([A-Za-z_]+)\s*[:=]\s?(.*)$/.exec(raw.trimStart());
    const current = sections[sections.length - 1];
    if (!pair || !current) {
      throw new Error(`${file}:${i + 1}: expected \`[section]\`, \`regex: …\` or \`replace: …\`, got ${JSON.stringify(raw)}`);
    }
    current.values.set(pair[1]!.toLowerCase(), pair[2]!.trimEnd());
  });
  return sections.map(({ name, line, values }) => {
    const pattern = values.get('regex');
    if (pattern === undefined) {
      throw new Error(`${file}:${line}: expected section [${name}] to have a \`regex:\` line, got none`);
    }
    let regex: RegExp;
    try {
      regex = new RegExp(pythonPatternToJs(pattern), 'g');
    } catch (e) {
      throw new Error(`${file}:${line}: expected [${name}] \`regex:\` to be a valid regular expression, got ${JSON.stringify(pattern)} (${(e as Error).message})`);
    }
    return { section: name, regex, replace: pythonReplacementToJs(values.get('replace') ?? '') };
  });
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
