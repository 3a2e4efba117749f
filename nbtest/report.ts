/** Readable failures: the notebook, the cell, its first line, then expected against got. */
import type { Mismatch } from './outputs';

export interface CellFailure {
  notebook: string;
  /** Index of the cell in the notebook's `cells` (markdown cells counted), as nbval numbers them. */
  index: number;
  firstLine: string;
  reason: string;
  mismatches: Mismatch[];
  /** The error text the kernel reported, when the cell raised. */
  errorText?: string;
}

/** A line diff of two texts: `-` expected only, `+` got only, ` ` both (LCS, fine for cell-sized texts). */
export function lineDiff(expected: string, got: string): string[] {
  // A final newline would show as an empty common line.
  const a = expected.replace(/\n$/, '').split('\n');
  const b = got.replace(/\n$/, '').split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}

export function formatFailure(f: CellFailure): string {
  const lines = [`FAIL ${f.notebook} cell ${f.index}: ${JSON.stringify(f.firstLine)}`, `  ${f.reason}`];
  if (f.errorText) lines.push(...f.errorText.split('\n').map((l) => `  | ${l}`));
  for (const m of f.mismatches) {
    const label = m.expected?.label ?? m.got?.label ?? '?';
    if (!m.got) {
      lines.push(`  output ${m.position} (${label}): expected but missing`, ...indent(m.expected!.text, '- '));
    } else if (!m.expected) {
      lines.push(`  output ${m.position} (${label}): not expected`, ...indent(m.got.text, '+ '));
    } else if (m.expected.label !== m.got.label) {
      lines.push(
        `  output ${m.position}: expected ${m.expected.label}, got ${m.got.label}`,
        ...indent(m.expected.text, '- '),
        ...indent(m.got.text, '+ '),
      );
    } else {
      lines.push(
        `  output ${m.position} (${label}): expected (-) against got (+)`,
        ...lineDiff(m.expected.text, m.got.text).map((l) => `    ${l}`),
      );
    }
  }
  return lines.join('\n');
}

function indent(text: string, mark: string): string[] {
  return text.split('\n').map((l) => `    ${mark}${l}`);
}
