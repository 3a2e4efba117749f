// How numbers are printed: the seed's float32 format (NumPy's before 1.14), and durations.

/**
 * Formats a number as NumPy (before 1.14) printed a float32, which is what
 * the seed shows: C's `%.6g` of the float32 value, plus `.0` when that leaves
 * only digits (0.926667, 0.94, 0.958, 1.0, 0.0).
 */
export function formatFloat32(x: number): string {
  const v = Math.fround(x);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  let digits = '0'.repeat(PRECISION);
  let exponent = 0;
  if (v !== 0) {
    // Exact decimal digits of the value, then rounded half to even like C's printf
    // (JS's toPrecision rounds ties up: 54103.25 would give 54103.3, printf 54103.2).
    const [mantissa = '', exp = ''] = Math.abs(v).toExponential(99).split('e');
    const all = mantissa.replace('.', '');
    exponent = Number(exp);
    digits = all.slice(0, PRECISION);
    const rest = all.slice(PRECISION);
    const last = Number(digits[PRECISION - 1]);
    const roundUp = rest[0]! > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || last % 2 === 1));
    if (roundUp) {
      const up = String(Number(digits) + 1);
      if (up.length > PRECISION) exponent += 1;
      digits = up.slice(0, PRECISION);
    }
  }
  let text: string;
  if (exponent < -4 || exponent >= PRECISION) {
    const mantissa = stripZeros(`${digits[0]}.${digits.slice(1)}`);
    text = `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  } else if (exponent < 0) {
    text = stripZeros(`0.${'0'.repeat(-exponent - 1)}${digits}`);
  } else {
    text = stripZeros(`${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`);
  }
  return /^\d+$/.test(text) ? `${sign}${text}.0` : `${sign}${text}`;
}

const PRECISION = 6;

function stripZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Formats seconds as m:ss, or h:mm:ss from an hour on. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`Expected \`seconds\` to be a finite number >= 0, got ${seconds}`);
  }
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
