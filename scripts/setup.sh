#!/usr/bin/env bash
# One-time (and idempotent) set-up for `npm run lab` and `npm test`:
#   1. Node packages from package-lock.json, with tfjs-node's native addon;
#   2. the Jupyter side (JupyterLab, nbclient, nbconvert, plotly, nbval) in .venv,
#      from environment.yml with conda if present, else with pip;
#   3. the tslab kernel spec inside .venv, running this project's own tslab on this Node, and
#      Deno's kernel beside it (this project's Deno, from npm).
# A stamp per step records what it was built from, so a second run takes a second.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv="$root/.venv"
say() { printf 'setup: %s\n' "$*"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# 0. A supported Node, before anything is installed ------------------------------
min_node=$(sed -n 's/^ *"node": *">=\([0-9][0-9]*\)".*/\1/p' package.json)
found_node=$(node --version 2>/dev/null) || found_node="none (no \`node\` on PATH)"
found_major=${found_node#v}; found_major=${found_major%%.*}
if ! [ "$found_major" -ge "$min_node" ] 2>/dev/null; then
  say "found Node.js $found_node; this project supports Node.js $min_node or newer (package.json engines)" >&2
  exit 1
fi
# The Node that sets the project up is the one the kernel runs (step 3): its absolute path.
node_exe=$(node -p 'process.execPath')
node_id="$node_exe $found_node"
# Should an addon compile, node-gyp takes the running Node's own headers where its install
# has them (official builds, nvm) rather than downloading them or using another Node's.
node_prefix=$(dirname "$(dirname "$node_exe")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/common.gypi" ]; then
  export npm_config_nodedir="$node_prefix"
fi

# 1. Node packages ------------------------------------------------------------
# Not keyed on the Node version: the native addons (tfjs-node, zeromq) are N-API, so one
# install serves every Node; a new Node only has to load tfjs-node once (below).
node_stamp="node_modules/.setup-stamp"
node_seen="node_modules/.setup-node"
node_want="$(uname -sm) $(hash_of package-lock.json scripts/tfjs-node-from-wheel.sh patches/*.patch)"
load_tfjs() {
  TF_CPP_MIN_LOG_LEVEL=2 node -e '
    const tf = require("@tensorflow/tfjs-node");
    if (tf.getBackend() !== "tensorflow") throw new Error("tfjs-node loaded the " + tf.getBackend() + " backend, expected tensorflow");
    tf.tidy(() => tf.topk(tf.tensor([1, 3, 2]), 1).values.dataSync());'
}
if [ "$(cat "$node_stamp" 2>/dev/null)" = "$node_want" ] && [ "$(cat "$node_seen" 2>/dev/null)" != "$node_id" ]; then
  if load_tfjs 2>/dev/null; then
    echo "$node_id" > "$node_seen"
  else
    say "tfjs-node does not load on Node $found_node; reinstalling the Node packages"
    rm -f "$node_stamp"
  fi
fi
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
  load_tfjs
  echo "$node_id" > "$node_seen"
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
    # nbval's wheel is kept in scripts/wheels/, for indexes that lack it: appended to find-links.
    PIP_FIND_LINKS="${PIP_FIND_LINKS:+$PIP_FIND_LINKS }$root/scripts/wheels" \
      bash scripts/pip-install.sh "$venv/bin/python" -r requirements-jupyter.txt
  fi
  echo "$py_want" > "$py_stamp"
fi

# 3. The tslab kernel, registered inside .venv only ------------------------------
# scripts/kernel-spec.ts writes it (as `npm run kernel:install` does for your own Jupyter),
# naming this Node by absolute path; it is written again when the Node or that script changes.
kernel_dir="$venv/share/jupyter/kernels/tslab"
kernel_want="$node_id $root $(hash_of scripts/kernel-spec.ts)"
if [ "$(cat "$kernel_dir/.setup-stamp" 2>/dev/null)" != "$kernel_want" ]; then
  say "registering the tslab TypeScript kernel in .venv (Node $found_node)"
  node --import tsx scripts/kernel-spec.ts install --prefix "$venv" --name tslab \
    --display-name "TypeScript (tslab)" --replace --quiet
  echo "$kernel_want" > "$kernel_dir/.setup-stamp"
fi
# And Deno's own kernel (`deno jupyter`), for the same notebook: this project's Deno from npm.
deno_dir="$venv/share/jupyter/kernels/deno"
deno_want="$root $(hash_of scripts/kernel-spec.ts package-lock.json)"
if [ "$(cat "$deno_dir/.setup-stamp" 2>/dev/null)" != "$deno_want" ]; then
  say "registering Deno's TypeScript kernel in .venv"
  node --import tsx scripts/kernel-spec.ts install --deno --prefix "$venv" --name deno \
    --display-name "TypeScript (Deno, rnn-mnist)" --replace --quiet
  echo "$deno_want" > "$deno_dir/.setup-stamp"
fi
