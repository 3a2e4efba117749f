#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node against the libtensorflow inside the tensorflow-cpu
# Python wheel, for machines that cannot reach tfjs-node's own download host.
#
# This is tfjs-node's documented custom-libtensorflow path: put the shared
# libraries in deps/lib and the C headers in deps/include, then let its install
# script compile the addon from source. The TF C API is stable, so the addon
# (written for libtensorflow 2.9.1) builds against a newer library.
#
# Idempotent: a second run with the addon already loading does nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/node_modules/@tensorflow/tfjs-node"
wheel_version="${TFJS_WHEEL_VERSION:-2.21.0}"
cache="$root/.cache/wheels"

[ -d "$pkg" ] || { echo "tfjs-node-from-wheel: expected $pkg (run npm ci first)" >&2; exit 1; }

if (cd "$root" && node -e 'require("@tensorflow/tfjs-node")' >/dev/null 2>&1); then
  echo "tfjs-node: native addon already loads; nothing to do"
  exit 0
fi

mkdir -p "$cache"
wheel=$(ls "$cache"/tensorflow_cpu-"$wheel_version"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "tfjs-node: fetching the tensorflow-cpu $wheel_version wheel with pip (about 270 MB)"
  PIP_RETRIES=0 python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --dest "$cache" "tensorflow-cpu==$wheel_version"
  wheel=$(ls "$cache"/tensorflow_cpu-"$wheel_version"-*.whl | head -n 1)
fi

echo "tfjs-node: using libtensorflow from $(basename "$wheel")"
deps="$pkg/deps"
staging="$pkg/deps.partial"
rm -rf "$staging"
mkdir -p "$staging/lib"
# Unpack into a staging folder and move it in at the end, so an interrupted
# run never leaves a deps/ that the install script would take as complete.
python3 - "$wheel" "$staging" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    missing = libs - set(names)
    if missing:
        sys.exit(f"{wheel}: expected {sorted(missing)} in the wheel, not found")
    for name in names:
        if name in libs:
            dest = os.path.join(out, "lib", os.path.basename(name))
        elif name.startswith("tensorflow/include/") and not name.endswith("/"):
            dest = os.path.join(out, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
ln -sf libtensorflow_cc.so.2 "$staging/lib/libtensorflow.so"
ln -sf libtensorflow_cc.so.2 "$staging/lib/libtensorflow.so.2.9.1"
ln -sf libtensorflow_framework.so.2 "$staging/lib/libtensorflow_framework.so"
ln -sf libtensorflow_framework.so.2 "$staging/lib/libtensorflow_framework.so.2.9.1"
rm -rf "$deps"
mv "$staging" "$deps"

echo "tfjs-node: compiling the addon from source (about 30 s)"
(cd "$root" && npm rebuild --foreground-scripts @tensorflow/tfjs-node)
(cd "$root" && node -e 'require("@tensorflow/tfjs-node")' >/dev/null)
echo "tfjs-node: built against libtensorflow $wheel_version from the tensorflow-cpu wheel"
