#!/usr/bin/env bash
# Static HTML export that works offline: first a PNG beside every Plotly output
# (scripts/render-static.ts; the notebook is updated in place), then nbconvert's
# HTML into build/. nbconvert has no renderer for Plotly JSON, so the PNGs are
# what it shows; no plotly.js is embedded.
#   bash scripts/export-html.sh [NOTEBOOK.ipynb …]    (default: notebooks/*.ipynb)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
for nb in "${notebooks[@]}"; do
  [ -f "$nb" ] || { echo "export-html: expected a notebook file, got '$nb'" >&2; exit 1; }
done
node --import tsx scripts/render-static.ts "${notebooks[@]}"
mkdir -p build
"$root/.venv/bin/jupyter" nbconvert --to html --template-file "$root/scripts/nbconvert/lab-alt.html.j2" \
  --output-dir "$root/build" "${notebooks[@]}"
