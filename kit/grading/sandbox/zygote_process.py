"""The zygote: a process that has imported TensorFlow, Keras, NumPy and the kit's public modules,
and nothing secret, so that each sandboxed call starts with a fork instead of a 5-15 s import.

Run by :class:`kit.grading.sandbox.zygote.Zygote` as ``python -m kit.grading.sandbox.zygote_process FD [RUNTIME]``
(:data:`PRELOADS`: what it imports), where ``FD`` is its end of a ``SOCK_SEQPACKET`` socket pair. Each packet from the grader is
``{"backstop": SECONDS}`` carrying one file descriptor, the call's own socket; the zygote forks a
keeper with it (:func:`kit.grading.sandbox.child.keep`), closes its copy and answers ``{"done": true}``
(it reaps the keeper later, and kills it should it outlive its backstop). It never reads the call's socket itself (the keeper does), so no
submission's code or answers ever sit in the memory that the next submission's child inherits.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import time

__all__ = ["PRELOAD", "PRELOADS", "PACKET_BYTES", "REAP_SECONDS", "preload", "serve", "main"]

PRELOAD = ("numpy", "tensorflow", "keras", "kit.activations", "kit.builders", "kit.datasets", "kit.heads",
           "kit.training", "kit.grading.sandbox.drivers", "kit.grading.sandbox.model_transfer", "kit.grading.sandbox.protocol", "kit.grading.sandbox.child")
"""What every child starts with. Only the kit's public modules: no checks, no solutions."""
PRELOADS = {"keras": PRELOAD,
            "numpy": ("numpy", "kit.grading.sandbox.drivers", "kit.grading.sandbox.model_transfer", "kit.grading.sandbox.protocol", "kit.grading.sandbox.child")}
"""Per runtime (:data:`kit.grading.authoring.exercises.RUNTIMES`): a ``numpy`` exercise's zygote loads no TensorFlow."""
PACKET_BYTES = 65536
REAP_SECONDS = 0.05  # how often ended keepers are reaped while the grader sends nothing


def preload(modules=PRELOAD) -> None:
    """Import what every child needs; an import that fails stops the zygote (the grader says so)."""
    import importlib

    for name in modules:
        importlib.import_module(name)


def _reap(keepers: dict, block: bool = False) -> None:
    """Reap the keepers that ended; kill (with their session) those past their backstop.
    ``keepers`` maps pid → deadline; ``block`` waits for every one of them (the zygote's end)."""
    for pid, deadline in list(keepers.items()):
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                del keepers[pid]
                break
            if time.monotonic() > deadline:  # the keeper is trusted, but never let it hang the grader
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                del keepers[pid]
                break
            if not block:
                break
            time.sleep(0.005)


def serve(control: socket.socket) -> None:
    """Answer the grader's packets until it closes the control socket.

    A keeper is forked per packet and ``{"done": true}`` answered at once: the keeper's report
    goes to the grader on the call's own socket, and its end (tearing down a copy of a process
    that holds TensorFlow takes tens of milliseconds) overlaps the next call instead of delaying
    it. Ended keepers are reaped between packets; one past its backstop is killed.
    """
    from kit.grading.sandbox import child

    control.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    keepers: dict = {}
    try:
        while True:
            _reap(keepers)
            ready, _, _ = select.select([control], [], [], REAP_SECONDS if keepers else None)
            if not ready:
                continue
            message, fds, _, _ = socket.recv_fds(control, PACKET_BYTES, 1)
            if not message:
                return  # the grader closed its end
            if len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                control.send(json.dumps({"done": False, "error": "a call needs exactly one socket"}).encode())
                continue
            pid = os.fork()
            if pid == 0:
                child.keep(fds[0], control.fileno())
            os.close(fds[0])
            keepers[pid] = time.monotonic() + float(json.loads(message)["backstop"])
            control.send(json.dumps({"done": True}).encode())
    finally:
        _reap(keepers, block=True)


def main(argv: list[str]) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when the zygote ends
    control = socket.socket(fileno=int(argv[1]))
    modules = PRELOADS[argv[2]] if len(argv) > 2 else PRELOAD
    from kit.grading.sandbox import child

    child.make_undumpable()  # no process of the sandbox's user may open /proc/<zygote or keeper>/fd
    # KIT_SANDBOX_UNPRIVILEGED=1 or KIT_SANDBOX_LEVEL=none on root: act as a plain user;
    # KIT_SANDBOX_LEVEL=container: as root without CAP_SYS_ADMIN (Docker's default capabilities).
    child.limit_capabilities()
    preload(modules)
    try:
        child._seccomp()  # loaded once here, so that a container-level runner only calls it
    except OSError:
        pass  # the probe reports it: "no seccomp: network not blocked"
    serve(control)


if __name__ == "__main__":
    main(sys.argv)
