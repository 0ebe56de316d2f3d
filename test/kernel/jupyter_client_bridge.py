"""A real Jupyter client (Debian's python3-jupyter-client) driven by the kernel tests over JSON lines.

Each stdin line is a command {"id": n, "op": ..., ...}; each stdout line answers it with
{"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": "..."}. Kernels are started from
their kernelspec through KernelManager, exactly as JupyterLab and nbclient start them.
"""
import json
import os
import queue
import sys
import tempfile
import time
import traceback

from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

kernels = {}  # name -> (KernelManager, BlockingKernelClient)
captured = {}  # name -> the file receiving the kernel process's stdout and stderr ("capture_output")


def collect_iopub(kc, msg_id, timeout):
    """IOPub messages caused by `msg_id` until its status goes idle."""
    outputs = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return outputs
            continue
        outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})


def collect(kc, msg_id, timeout):
    """IOPub messages of request `msg_id` until its status goes idle, then its shell reply."""
    outputs = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})
    while True:
        reply = kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return {"reply": reply["content"], "reply_metadata": reply["metadata"], "outputs": outputs, "msg_id": msg_id}


def handle(cmd):
    op = cmd["op"]
    if op == "start":
        km = KernelManager(kernel_name=cmd.get("kernel_name", "receptive"))
        t0 = time.time()
        options = {"cwd": cmd["cwd"]}
        if cmd.get("env"):  # added to this process's environment
            options["env"] = {**os.environ, **cmd["env"]}
        if cmd.get("capture_output"):  # returned by "shutdown"
            captured[cmd["name"]] = options["stdout"] = options["stderr"] = tempfile.TemporaryFile()
        km.start_kernel(**options)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=cmd.get("timeout", 30))
        kernels[cmd["name"]] = (km, kc)
        return {"ready_seconds": time.time() - t0, "spec": km.kernel_spec.to_dict()}
    km, kc = kernels[cmd["kernel"]]
    timeout = cmd.get("timeout", 30)
    if op == "execute":
        msg_id = kc.execute(
            cmd["code"], stop_on_error=cmd.get("stop_on_error", True), allow_stdin=cmd.get("allow_stdin", True)
        )
        return collect(kc, msg_id, timeout)
    if op == "execute_with_input":  # answer each input_request on stdin with the next of "answers"
        msg_id = kc.execute(cmd["code"], allow_stdin=True)
        requests = []
        for answer in cmd["answers"]:
            request = kc.get_stdin_msg(timeout=timeout)
            requests.append({"content": request["content"], "parent": request["parent_header"].get("msg_id")})
            kc.input(answer)
        result = collect(kc, msg_id, timeout)
        result["input_requests"] = requests
        result["msg_id"] = msg_id
        return result
    if op == "wait_input_request":  # the next input_request, unanswered
        request = kc.get_stdin_msg(timeout=timeout)
        return {"content": request["content"], "parent": request["parent_header"].get("msg_id")}
    if op == "execute_async":  # send only; "wait" collects it later
        return {"msg_id": kc.execute(cmd["code"])}
    if op == "wait":
        return collect(kc, cmd["msg_id"], timeout)
    if op == "execute_content":  # an execute_request with exactly this content (even malformed)
        msg = kc.session.msg("execute_request", cmd["content"])
        kc.shell_channel.send(msg)
        return collect(kc, msg["header"]["msg_id"], timeout)
    if op == "replay":  # one signed execute_request sent twice (a replay), then a normal one
        msg = kc.session.msg("execute_request", {"code": cmd["code"], "silent": False, "store_history": True,
                                                 "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        replayed = msg["header"]["msg_id"]
        kc.shell_channel.send(msg)
        kc.shell_channel.send(msg)
        sentinel = kc.execute(cmd["after"])
        # Requests are handled in order: once the sentinel is idle, a second run would have shown.
        inputs = 0
        deadline = time.time() + timeout
        while True:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
            parent = m["parent_header"].get("msg_id")
            if parent == replayed and m["msg_type"] == "execute_input":
                inputs += 1
            if parent == sentinel and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        replies = 0
        while True:
            r = kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
            parent = r["parent_header"].get("msg_id")
            if parent == replayed:
                replies += 1
            if parent == sentinel:
                return {"execute_inputs": inputs, "replies": replies, "sentinel": r["content"]}
    if op == "bad_signature":  # an execute_request signed with the wrong key: must be ignored
        bad = Session(key=b"not-the-connection-key", username=kc.session.username)
        msg = bad.msg("execute_request", {"code": cmd["code"], "silent": False, "store_history": True,
                                           "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        bad.send(kc.shell_channel.socket, msg)
        try:
            while True:  # any answer to it within `wait` seconds is a failure
                r = kc.get_shell_msg(timeout=cmd.get("wait", 2))
                if r["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    return {"answered": True}
        except queue.Empty:
            return {"answered": False}
    if op == "wait_iopub":  # the next stream/error/display output whose parent is msg_id
        deadline = time.time() + timeout
        while True:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
            if m["parent_header"].get("msg_id") == cmd["msg_id"] and m["msg_type"] != "status":
                return {"msg_type": m["msg_type"], "content": m["content"]}
    if op == "interrupt":
        t0 = time.time()
        km.interrupt_kernel()
        return {"sent_at": t0}
    if op == "interrupt_and_wait":  # interrupt a running request and time until its reply
        t0 = time.time()
        km.interrupt_kernel()
        result = collect(kc, cmd["msg_id"], timeout)
        result["elapsed"] = time.time() - t0
        return result
    if op in ("complete", "inspect", "is_complete", "history", "kernel_info", "comm_info"):
        args = cmd.get("args", {})
        msg_id = getattr(kc, op)(**args)
        return collect(kc, msg_id, timeout)
    if op == "comm":  # comm_open / comm_msg / comm_close (no shell reply): what the kernel published
        msg = kc.session.msg(cmd["msg_type"], cmd["content"])
        kc.shell_channel.send(msg)
        return {"outputs": collect_iopub(kc, msg["header"]["msg_id"], timeout)}
    if op == "restart":
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=timeout)
        return {}
    if op == "is_alive":
        return {"alive": km.is_alive()}
    if op == "shutdown":  # graceful: shutdown_request, then the kernel's exit code and captured output
        process = km.provisioner.process if km.provisioner else None
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        del kernels[cmd["kernel"]]
        answer = {"exit_code": process.returncode if process is not None else None}
        output = captured.pop(cmd["kernel"], None)
        if output is not None:
            output.seek(0)
            answer["output"] = output.read().decode("utf-8", "replace")
            output.close()
        return answer
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    cmd = json.loads(line)
    try:
        answer = {"id": cmd["id"], "ok": True, **handle(cmd)}
    except Exception as e:  # report to the test, keep serving
        answer = {"id": cmd["id"], "ok": False, "error": "".join(traceback.format_exception(e))}
    # NOTE: kernels inherit this stdout, and Node makes it non-blocking for everyone sharing it;
    # a large answer would then be cut short (BlockingIOError), so write it blocking.
    os.set_blocking(sys.stdout.fileno(), True)
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()

for km, kc in kernels.values():
    kc.stop_channels()
    km.shutdown_kernel(now=True)
