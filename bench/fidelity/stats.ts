/**
 * The statistics of the fidelity benchmark (bench/fidelity/fidelity.ts): a sample's summary, and
 * Welch's t-test of two samples' means, with its p-value from Student's t distribution.
 *
 * Why Welch's: the question is whether the two sides reach the same mean accuracy, the seeds'
 * accuracies are averages over thousands of digits (near normal), and nothing says that the two
 * sides spread alike; Welch's test does not assume equal variances, as Student's does. With 10
 * seeds a side, Mann-Whitney U's exact p-values are as coarse as 1/92378 steps allow and it tests
 * another question (that one side's values tend to be larger).
 */

/** The middle value, or the mean of the two middle values. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Mean, sample standard deviation (n - 1), min and max. */
export interface Summary {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function summary(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new Error('Expected at least one value to summarise, got none');
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** Welch's two-sided t-test of equal means. */
export function welchTTest(a: readonly number[], b: readonly number[]): { t: number; df: number; p: number } {
  if (a.length < 2 || b.length < 2) {
    throw new Error(`Expected at least 2 values a side for Welch's t-test, got ${a.length} and ${b.length}`);
  }
  const [sa, sb] = [summary(a), summary(b)];
  const [va, vb] = [sa.sd ** 2 / sa.n, sb.sd ** 2 / sb.n];
  if (va + vb === 0) return { t: sa.mean === sb.mean ? 0 : Infinity, df: NaN, p: sa.mean === sb.mean ? 1 : 0 };
  const t = (sa.mean - sb.mean) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1));
  return { t, df, p: studentTwoSided(t, df) };
}

/** P(|T| >= |t|) for Student's t with `df` degrees of freedom: the regularized incomplete beta I_{df/(df+t^2)}(df/2, 1/2). */
export function studentTwoSided(t: number, df: number): number {
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** I_x(a, b), by its continued fraction (Numerical Recipes' betacf, modified Lentz), mirrored where that converges faster. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const numerator of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, 9 terms: about 15 digits). */
function logGamma(z: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const x = z - 1;
  let sum = g[0]!;
  for (let i = 1; i < 9; i++) sum += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
