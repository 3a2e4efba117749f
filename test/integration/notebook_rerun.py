"""Runs every code cell of a notebook several times in one kernel, as a learner who presses
Run All again and again, and prints tf.memory() after each run: one JSON object.

  notebook_rerun.py KERNEL_NAME NOTEBOOK RUNS

Run by test/integration/notebook-rerun.test.ts with the project's .venv/bin/python. The kernel
starts in the notebook's folder and reads the small MNIST subset of test/fixtures/mnist-subset/
(MNIST_DATA_DIR), so the runs take seconds and never touch /tmp/data/.
"""
import json
import os
import queue
import sys

from jupyter_client.manager import start_new_kernel

SUBSET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "mnist-subset")
MEMORY = "console.log(JSON.stringify(tf.memory()))"


def main():
    kernel, notebook, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # A missing folder would not fail: readDataSets would fill it with all of MNIST.
    assert os.path.isdir(SUBSET), f"expected the MNIST subset in {SUBSET}, found no such folder"
    cells = ["".join(c["source"]) for c in json.load(open(notebook))["cells"] if c["cell_type"] == "code"]
    env = {**os.environ, "MNIST_DATA_DIR": SUBSET}
    km, kc = start_new_kernel(kernel_name=kernel, cwd=os.path.dirname(os.path.abspath(notebook)), env=env)

    def run(code):
        """The cell's stdout; raises with the error when it fails."""
        reply = kc.execute_interactive(code, timeout=300, output_hook=lambda msg: out.append(msg))
        settle(reply["parent_header"]["msg_id"])
        text = "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        out.clear()
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"cell {code[:60]!r} failed: {content.get('ename')}: {content.get('evalue')}")
        return text

    def settle(msg_id):
        """Takes the cell's outputs that come after its idle (Deno's kernel publishes some late),
        until iopub has been silent for 0.1 s, as nbtest/nbexec.py does."""
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == msg_id:
                out.append(msg)

    out = []
    memory = []
    try:
        for _ in range(runs):
            for code in cells:
                run(code)
            memory.append(json.loads(run(MEMORY).strip().splitlines()[-1]))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps({"memory": memory}))


main()
