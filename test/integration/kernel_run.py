"""Starts a Jupyter kernel by name, runs one cell in it, and prints what the cell printed.

  kernel_run.py KERNEL_NAME CODE

The kernel is found the way Jupyter finds it (JUPYTER_PATH, the user's folder, this
environment's) and starts in the current folder, as it would for a notebook there. Exits 1,
with the error on stderr, when the cell fails or the kernel does not answer.
Used by test/integration/kernel-install.test.ts and scripts/ci-node-matrix.sh.
"""
import os
import queue
import sys

from jupyter_client.manager import start_new_kernel


def main():
    name, code = sys.argv[1], sys.argv[2]
    km, kc = start_new_kernel(kernel_name=name, cwd=os.getcwd(), startup_timeout=120)
    out, error = [], None
    try:
        msg_id = kc.execute(code)
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    out.append(content["text"])
                else:
                    sys.stderr.write(content["text"])
            elif kind == "error":
                error = "\n".join(content.get("traceback") or [f"{content['ename']}: {content['evalue']}"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        # What comes after idle (Deno's kernel publishes some output late), until iopub has been
        # silent for 0.1 s, as nbtest/nbexec.py takes it.
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                (out.append if msg["content"]["name"] == "stdout" else sys.stderr.write)(msg["content"]["text"])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if error is not None:
        sys.stderr.write(f"kernel_run.py: the cell failed in kernel {name}:\n{error}\n")
        sys.exit(1)
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
