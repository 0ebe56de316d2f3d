"""Kernel latency through a real Jupyter client (Debian's python3-jupyter-client), for test/bench/latency.ts.

usage: kernel_latency.py KERNEL_NAME CWD STARTS WARMUP RUNS CODE
Prints one JSON object: start-to-ready seconds of each of STARTS fresh kernels (start_kernel until a
kernel_info reply, as JupyterLab waits), then, on the last kernel, the seconds from sending each of
RUNS execute_requests of CODE (after WARMUP unmeasured ones) to its `idle` status on IOPub.
"""
import json
import sys
import time

from jupyter_client.manager import KernelManager

name, cwd, starts, warmup, runs, code = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6]


def round_trip(kc):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            elapsed = time.perf_counter() - t0
            break
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{name}: the cell {code!r} failed: {reply['content']}")
            return elapsed


start_seconds = []
for i in range(starts):
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    start_seconds.append(time.perf_counter() - t0)
    if i < starts - 1:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

for _ in range(warmup):
    round_trip(kc)
trips = [round_trip(kc) for _ in range(runs)]
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({"kernel": name, "startSeconds": start_seconds, "roundTripSeconds": trips}))
