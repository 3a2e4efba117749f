#!/usr/bin/env bash
# `npm run lab`: set up (first time only), then open JupyterLab on notebooks/ with
# the project's tslab kernel. Localhost only; token authentication stays on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"

args=(--ip=127.0.0.1 --notebook-dir="$root/notebooks")
# Jupyter refuses to start as root unless told; containers and CI often run as root.
[ "$(id -u)" = 0 ] && args+=(--allow-root)
# Where no browser can be opened (a server, a container), print the URL instead.
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ] || args+=(--no-browser)
exec "$root/.venv/bin/jupyter" lab "${args[@]}" "$@"
