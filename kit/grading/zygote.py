"""The zygote: a process that has imported TensorFlow, Keras, NumPy and the kit's public modules,
and nothing secret, so that each sandboxed call starts with a fork instead of a 5-15 s import.

Run by :class:`kit.grading.sandbox.Zygote` as ``python -m kit.grading.zygote``. It speaks JSON
lines on stdin/stdout: ``{"request": PATH, "exchange": DIR, "stem": NAME, "backstop": SECONDS}``
→ ``{"done": true}``. It never reads the request file itself (the forked keeper does), so no
submission's code or answers ever sit in the memory that the next submission's child inherits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

PRELOAD = ("numpy", "tensorflow", "keras", "kit.activations", "kit.builders", "kit.datasets", "kit.heads",
           "kit.grading.drivers", "kit.grading.models", "kit.grading.protocol", "kit.grading.child")
"""What every child starts with. Only the kit's public modules: no checks, no solutions."""


def preload(modules=PRELOAD) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)
    try:  # optional: present once the fast trainer lands
        importlib.import_module("kit.training")
    except ImportError:
        pass


def _wait(pid: int, backstop: float) -> None:
    deadline = time.monotonic() + backstop
    delay = 0.001
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        if time.monotonic() > deadline:  # the keeper is trusted, but never let it hang the grader
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def serve(stdin=None, stdout=None) -> None:
    from kit.grading import child

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stdout.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    stdout.flush()
    for line in stdin:
        message = json.loads(line)
        exchange_fd = os.open(message["exchange"], os.O_RDONLY | os.O_DIRECTORY)
        pid = os.fork()
        if pid == 0:
            child.keep(message["request"], exchange_fd, message["stem"])
        os.close(exchange_fd)
        _wait(pid, float(message["backstop"]))
        stdout.write(json.dumps({"done": True}) + "\n")
        stdout.flush()


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when the zygote ends
    preload()
    serve()
