#!/usr/bin/env bash
# pip install with one Python; where pip cannot get a requirement, one line that names it and
# says how to get it, instead of pip's resolver output. Used by setup.sh (step 2).
#   bash scripts/pip-install.sh PYTHON PIP-INSTALL-ARGS…      e.g. .venv/bin/python -r requirements-jupyter.txt
set -euo pipefail
python=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if PIP_RETRIES=0 "$python" -m pip install --quiet --disable-pip-version-check "$@" 2>"$log"; then
  cat "$log" >&2  # pip's warnings, as it printed them
  exit 0
fi
# pip says "ERROR: No matching distribution found for nbval==0.11.0" when no index or
# find-links folder it was given has the requirement.
missing=$(sed -n 's/^ERROR: No matching distribution found for //p' "$log" | head -n 1)
if [ -n "$missing" ]; then
  name=${missing%%[=<>!~;[ ]*}
  echo "setup: pip could not get $missing from its index or find-links; on a machine with internet access pip gets it from PyPI (https://pypi.org/project/$name/); offline, put its wheel in a folder, append that folder to PIP_FIND_LINKS (space-separated) and run this again" >&2
else
  cat "$log" >&2
  echo "setup: pip install $* failed (pip's output above)" >&2
fi
exit 1
