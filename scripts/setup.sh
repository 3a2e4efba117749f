#!/usr/bin/env bash
# One-time (and idempotent) set-up for `npm run lab` and `npm test`:
#   1. Node packages from package-lock.json, with tfjs-node's native addon;
#   2. the Jupyter side (JupyterLab, nbclient, nbconvert, plotly, nbval) in .venv,
#      from environment.yml with conda if present, else with pip;
#   3. the tslab kernel spec inside .venv, running this project's own tslab.
# A stamp per step records what it was built from, so a second run takes a second.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv="$root/.venv"
say() { printf 'setup: %s\n' "$*"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# 1. Node packages ------------------------------------------------------------
node_stamp="node_modules/.setup-stamp"
node_want="$(node --version) $(hash_of package-lock.json scripts/tfjs-node-from-wheel.sh patches/*.patch)"
if [ "$(cat "$node_stamp" 2>/dev/null)" != "$node_want" ]; then
  say "installing Node packages (npm ci, about 15 s)"
  npm ci --ignore-scripts --no-audit --no-fund
  # Install scripts run one package at a time, so that tfjs-node's own can fail alone.
  npm rebuild --foreground-scripts zeromq esbuild
  # Our fixes to installed packages, one patch each: patches/README.md says what each does and why.
  npx --no-install patch-package
  say "tfjs-node: trying its official install (downloads libtensorflow 2.9.1 and a prebuilt addon)"
  if ! npm rebuild --foreground-scripts @tensorflow/tfjs-node; then
    say "tfjs-node: the official download host is unreachable; building from the tensorflow-cpu wheel instead"
    bash scripts/tfjs-node-from-wheel.sh
  fi
  TF_CPP_MIN_LOG_LEVEL=2 node -e '
    const tf = require("@tensorflow/tfjs-node");
    if (tf.getBackend() !== "tensorflow") throw new Error("tfjs-node loaded the " + tf.getBackend() + " backend, expected tensorflow");'
  echo "$node_want" > "$node_stamp"
fi

# 2. The Jupyter side -----------------------------------------------------------
py_stamp="$venv/.setup-stamp"
py_want=$(hash_of environment.yml requirements-jupyter.txt)
if [ "$(cat "$py_stamp" 2>/dev/null)" != "$py_want" ]; then
  rm -rf "$venv"
  if command -v conda >/dev/null 2>&1 && [ "${SETUP_USE_PIP:-}" != 1 ]; then
    say "creating the Jupyter environment in .venv with conda from environment.yml (a few minutes)"
    conda env create --quiet --prefix "$venv" --file environment.yml
  else
    say "creating the Jupyter environment in .venv with pip (JupyterLab, nbclient, nbconvert, plotly, nbval; about 30 s)"
    python3 -m venv "$venv"
    bash scripts/pip-install.sh "$venv/bin/python" -r requirements-jupyter.txt
  fi
  echo "$py_want" > "$py_stamp"
fi

# 3. The tslab kernel, registered inside .venv only ------------------------------
kernel_dir="$venv/share/jupyter/kernels/tslab"
kernel_want="$root/node_modules/.bin/tslab"
# One intra-op thread: the RNN's ops are too small to split (1.25 vs 1.67 ms per training
# step with two). Inter-op threads stay at TensorFlow's default, one per core: they run the
# shards of each batch side by side (lib/training-graph.ts).
kernel_json=$(cat <<JSON
{
  "argv": ["$kernel_want", "kernel", "--config-path", "{connection_file}"],
  "display_name": "TypeScript (tslab)",
  "language": "typescript",
  "env": {"TF_NUM_INTRAOP_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
}
JSON
)
if [ "$(cat "$kernel_dir/kernel.json" 2>/dev/null)" != "$kernel_json" ]; then
  say "registering the tslab TypeScript kernel in .venv"
  mkdir -p "$kernel_dir"
  printf '%s\n' "$kernel_json" > "$kernel_dir/kernel.json.partial"
  mv "$kernel_dir/kernel.json.partial" "$kernel_dir/kernel.json"
fi
