#!/usr/bin/env bash
# `npm test`: set-up (first time only), then every check, in order, stopping at the first that
# fails: the type check and lint, the unit tests, the integration tests, the notebook tests and
# the browser test. A test that cannot run on this machine (no browser, no Fashion-MNIST) is
# skipped with one line that names what it needs and the command that gets it; the skips are
# listed again at the end. They are collected in TEST_SKIPS_FILE, which CI sets and checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
if [ -z "${TEST_SKIPS_FILE:-}" ]; then
  TEST_SKIPS_FILE=$(mktemp)
  trap 'rm -f "$TEST_SKIPS_FILE"' EXIT
fi
export TEST_SKIPS_FILE
npm run typecheck
npm run lint
npm run test:unit
# A browser for the tests that render charts: found on the machine, or Playwright's download.
node --import tsx scripts/chromium.ts ensure
npm run test:integration
npm run test:notebooks
npm run test:e2e
if [ -s "$TEST_SKIPS_FILE" ]; then
  echo "npm test: passed; skipped on this machine, each for want of what its line names:"
  sed 's/^/  - /' "$TEST_SKIPS_FILE"
else
  echo "npm test: passed, nothing skipped"
fi
