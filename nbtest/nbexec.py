"""Execute one notebook with a Jupyter kernel, cell by cell, and stream the results.

Used by nbtest (kernel.ts beside this file), which does the tags, sanitizing and comparison. This side
only runs cells through Jupyter's own machinery (nbclient: kernel spec, ZMQ, display
updates) and writes one JSON object per line to stdout:

  {"event": "kernel", "name": ..., "language": ..., "status": ...}
  {"event": "cell", "index": i, "status": "ok"|"error"|"abort"|"timeout"|"dead",
   "error": {"ename", "evalue", "traceback"} | null, "outputs": [...], "seconds": s}
  {"event": "final", "outputs": {"i": [...], ...}}   # after display updates, always last

Usage: nbexec.py NOTEBOOK [--kernel NAME] [--timeout 120] [--skip 3,7]
The kernel (by default the one the notebook's kernelspec names) starts in the
notebook's folder, with this process's environment.
"""

import argparse
import json
import queue
import sys
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError

# tslab answers `abort` to any execute request that arrives within 200 ms of an
# error reply (it drops the queued cells of a failed Run All), so wait longer.
AFTER_ERROR_PAUSE_S = 0.3

# After a cell's `status: idle`, its outputs are still taken until iopub has been silent this long,
# and only then is the next cell sent. Deno's kernel (2.9) queues a cell's outputs for another
# thread to publish and reports idle without waiting for that queue: 9 of 400 cells measured had
# outputs 0.2 to 6 ms after idle. nbclient, like nbval, stops listening at idle and would lose them;
# and an output published after the next cell has started carries that cell's parent header.
SETTLE_S = 0.1


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("--kernel", default="", help="Jupyter kernel name (default: the notebook's)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per cell")
    parser.add_argument("--skip", default="", help="comma-separated code cell indices not to run")
    args = parser.parse_args()

    path = Path(args.notebook).resolve()
    nb = nbformat.read(path, as_version=4)
    skip = {int(i) for i in args.skip.split(",") if i.strip()}
    replies = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply

    def settle(cell, index):
        """Takes the cell's outputs that come after its idle, until iopub is silent for SETTLE_S."""
        msg_id = replies.get(index, {}).get("parent_header", {}).get("msg_id")
        while True:
            try:
                msg = run_sync(client.kc.iopub_channel.get_msg)(timeout=SETTLE_S)
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] != "status":
                try:
                    client.process_message(msg, cell, index)
                except CellExecutionComplete:
                    pass

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        allow_errors=True,  # the runner decides, from the cell's tags
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=on_cell_executed,
    )
    executed = []
    try:
        with client.setup_kernel():
            info = client.wait_for_reply(client.kc.kernel_info())["content"]
            emit({"event": "kernel", "name": client.kernel_name,
                  "language": info.get("language_info", {}).get("name"),
                  "status": info.get("status")})
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or index in skip or not cell.source.strip():
                    continue
                started = time.monotonic()
                status, error = "ok", None
                try:
                    client.execute_cell(cell, index)
                    settle(cell, index)
                    reply = replies.get(index, {}).get("content", {})
                    status = reply.get("status", "ok")
                    if status == "error":
                        error = {k: reply.get(k) for k in ("ename", "evalue", "traceback")}
                except CellTimeoutError as e:
                    status, error = "timeout", {"ename": "CellTimeoutError", "evalue": str(e), "traceback": []}
                except DeadKernelError as e:
                    status, error = "dead", {"ename": "DeadKernelError", "evalue": str(e), "traceback": []}
                executed.append(index)
                emit({"event": "cell", "index": index, "status": status, "error": error,
                      "outputs": cell.get("outputs", []), "seconds": round(time.monotonic() - started, 3)})
                if status in ("timeout", "dead"):
                    break  # the kernel's state is unknown: later cells would only mislead
                if status == "error":
                    time.sleep(AFTER_ERROR_PAUSE_S)
    finally:
        # A later update_display_data may have changed an earlier cell's outputs,
        # as it does in a notebook saved by JupyterLab or nbclient.
        emit({"event": "final", "outputs": {str(i): nb.cells[i].get("outputs", []) for i in executed}})


if __name__ == "__main__":
    main()
