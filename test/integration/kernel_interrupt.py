"""Interrupts the notebook's training cell in a real tslab kernel and reports what happened.

Run by test/integration/kernel-interrupt.test.ts with the project's .venv/bin/python; prints one JSON object.
The kernel reads the small MNIST subset of test/fixtures/mnist-subset/ (MNIST_DATA_DIR), so the
test does not depend on what /tmp/data/ holds. Runs the notebook's code cells up to the training
cell, starts training with many batches an epoch, sends the kernel an interrupt (SIGINT, as
JupyterLab's stop button does), then checks that the loop stopped, nothing leaked, and the cell,
unchanged, runs again cleanly. Before and after, it interrupts the idle kernel between cells, as a
stray press of the stop button does, and checks that the kernel lives on.
"""
import json
import os
import sys
import time

from jupyter_client.manager import start_new_kernel

NOTEBOOK = sys.argv[1]
FULL_EPOCH = "Math.floor(mnist.train.numExamples / batchSize)"
STEP = "await monitor.step();"
SUBSET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "mnist-subset")


def main():
    # A missing folder would not fail: readDataSets would fill it with all of MNIST.
    assert os.path.isdir(SUBSET), f"expected the MNIST subset in {SUBSET}, found no such folder"
    nb = json.load(open(NOTEBOOK))
    codes = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    training = next(c for c in codes if "await runExclusive(" in c)
    setup = codes[: codes.index(training)]
    assert FULL_EPOCH in training, "the training cell no longer reads " + FULL_EPOCH
    # Counts batches in a global, which outlives the interrupted cell.
    assert STEP in training, "the training cell no longer calls " + STEP
    long_run = training.replace(FULL_EPOCH, "4000").replace(
        STEP, "(globalThis as any).batchesUnderTest = ((globalThis as any).batchesUnderTest ?? 0) + 1; " + STEP
    )
    env = {**os.environ, "MNIST_DATA_DIR": SUBSET}
    kernel = sys.argv[3] if len(sys.argv) > 3 else "tslab"
    km, kc = start_new_kernel(kernel_name=kernel, cwd=sys.argv[2], env=env)

    def run(code, interrupt_after=None, timeout=60):
        msg_id = kc.execute(code)
        start = time.time()
        interrupted_at = None
        text = []
        while True:
            if interrupt_after is not None and interrupted_at is None and time.time() - start > interrupt_after:
                km.interrupt_kernel()
                interrupted_at = time.time()
            if interrupted_at is not None and not km.is_alive():
                raise RuntimeError(f"{code[:60]!r}: kernel alive: False after the interrupt")
            if time.time() - start > timeout:
                raise TimeoutError(f"{code[:60]!r}: no idle after {timeout} s; kernel alive: {km.is_alive()}; interrupted: {interrupted_at is not None}; output so far: {''.join(text)[-300:]!r}")
            try:
                msg = kc.get_iopub_msg(timeout=0.1)
            except Exception:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        # The cell's outputs that come after its idle (Deno's kernel publishes some late), until
        # iopub has been silent for 0.1 s, as nbtest/nbexec.py takes them.
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.1)
            except Exception:
                break
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                text.append(msg["content"]["text"])
        while True:
            reply = kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        return {
            "status": content["status"],
            "evalue": content.get("evalue", ""),
            "stdout": "".join(text),
            "replySeconds": None if interrupted_at is None else round(time.time() - interrupted_at, 3),
        }

    try:
        def idle_interrupt():
            """Interrupts the idle kernel; True if it is still alive and answers a second later."""
            km.interrupt_kernel()
            time.sleep(1.0)
            if not km.is_alive():
                # Said in words of its own, apart from a death after the training cell's interrupt.
                raise RuntimeError(f"the {kernel} kernel died of an interrupt between cells")
            return run("console.log('still here')")["stdout"].strip() == "still here"

        for code in setup:
            result = run(code)
            assert result["status"] == "ok", f"{code[:60]!r}: {result['status']}: {result['evalue']}; output: {result['stdout'][-300:]!r}"
        report = {"aliveAfterIdleInterrupt": idle_interrupt()}
        report["tensorsBefore"] = run("console.log(tf.memory().numTensors)")["stdout"].strip()
        report["interrupted"] = run(long_run, interrupt_after=3.0)
        time.sleep(0.5)
        report["batchesAfter"] = run(
            "const seenA = (globalThis as any).batchesUnderTest;\n"
            "await new Promise((r) => setTimeout(r, 2000));\n"
            "console.log(seenA, (globalThis as any).batchesUnderTest, tf.memory().numTensors)"
        )["stdout"].strip()
        report["rerun"] = run(training)
        report["tensorsAfter"] = run("console.log(tf.memory().numTensors)")["stdout"].strip()
        report["aliveAfterSecondIdleInterrupt"] = idle_interrupt()
        report["alive"] = km.is_alive()
    finally:
        km.shutdown_kernel(now=True)
    print(json.dumps(report))


main()
