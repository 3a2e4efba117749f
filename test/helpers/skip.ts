// A test that cannot run on this machine is skipped with one line: what it needs, what was found
// and the command that gets it. Where TEST_SKIPS_FILE is set (npm test sets it), the line is also
// appended there, so that npm test can list the skips at its end and CI can fail on any.
import * as fs from 'fs';

/** Records that `test` is skipped for `reason`; returns `reason`, for node:test's `skip` option or `t.skip`. */
export function skipping(test: string, reason: string): string {
  const file = process.env.TEST_SKIPS_FILE;
  if (file) fs.appendFileSync(file, `${test}: ${reason}\n`);
  return reason;
}
