// The fidelity benchmark's statistics on fixed numbers, against SciPy's (scipy.stats.ttest_ind with
// equal_var=False, and t.sf, computed in the bench's JAX virtualenv, whose SciPy JAX requires).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { studentTwoSided, summary, welchTTest } from '../stats';

const close = (got: number, want: number, what: string, tol = 1e-9) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`);

test("Welch's t-test gives SciPy's t, degrees of freedom and p-value", () => {
  const a = [0.9612, 0.958, 0.9645, 0.9601, 0.9633];
  const b = [0.9598, 0.955, 0.9571, 0.962, 0.9589, 0.956];
  const { t, df, p } = welchTTest(a, b);
  close(t, 2.0995553204853215, 't');
  close(df, 8.673412093048347, 'df');
  close(p, 0.06631404373188601, 'p');
  // Swapping the sides flips t only.
  const swapped = welchTTest(b, a);
  close(swapped.t, -t, 't, swapped');
  close(swapped.p, p, 'p, swapped');
});

test("Student's t two-sided tail at a fractional df, and the edges", () => {
  close(studentTwoSided(2.0, 3.5), 0.12613852257591343, 'P(|T| >= 2), df 3.5');
  close(studentTwoSided(0, 9), 1, 'P(|T| >= 0)');
  assert.equal(welchTTest([0.5, 0.5], [0.5, 0.5]).p, 1, 'identical constant samples');
});

test('summary: mean, sample standard deviation, min and max; too few values are refused', () => {
  const s = summary([1, 2, 3, 4]);
  assert.deepEqual({ ...s, sd: Number(s.sd.toFixed(12)) }, { n: 4, mean: 2.5, sd: 1.290994448736, min: 1, max: 4 });
  assert.throws(() => summary([]), /Expected at least one value/);
  assert.throws(() => welchTTest([1], [1, 2]), /Expected at least 2 values a side for Welch's t-test, got 1 and 2/);
});
