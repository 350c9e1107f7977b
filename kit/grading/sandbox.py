"""The parent's handle on the sandbox: start a zygote once, run one driver call per fork.

Example:
    >>> with Zygote() as zygote:                       # pays the TensorFlow import once
    ...     outcome = zygote.call("x = 1\\ndef f(v):\\n    return v * 2\\n", "call",
    ...                           {"function": "f", "args": [3]}, Limits(timeout=5))
    >>> outcome.state, outcome.value["plain"]
    ('answered', 6)

Isolation (see :mod:`kit.grading.child`): as root, each call runs as the user ``nobody`` with no
supplementary groups, in fresh mount, network and PID namespaces, with a private size-capped
``/tmp`` and empty mounts over the hidden paths (the exercises folder and the repository's git
data and the tests, plus ``KIT_GRADING_HIDE``). Not as root, only the resource limits, a new process group and
a scratch directory apply: the submission could read files the grader's user can read and open
network connections, which is why graded runs (CI, Gradescope) run as root, in a container.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kit.grading import protocol
from kit.grading.limits import Limits

READY_TIMEOUT = 180.0  # TensorFlow's import takes 5-15 s, longer on a loaded 2-core machine
BACKSTOP_MARGIN = 10.0


@dataclasses.dataclass
class CallOutcome:
    """What one sandboxed call ended with.

    ``state``: ``answered`` (the driver sent plain data), ``timeout``, ``cpu``, ``output``,
    ``answer`` (too large), ``file_size``, ``signal`` (crashed), ``exited`` (the process ended
    without answering), ``internal`` (a grader failure). ``value`` is the decoded answer when
    the driver succeeded; ``error`` is ``{"type", "message", "stage", "traceback"}`` when the
    submission raised (``stage`` is ``import`` or ``call``).
    """

    state: str
    value: object = None
    error: dict | None = None
    output: str = ""
    seconds: float = 0.0
    details: dict = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == "answered" and self.error is None


def repository_root() -> Path:
    return Path(__file__).resolve().parents[2]


def default_hidden_paths() -> list[str]:
    """What a submission must not read: the exercises (checks, solutions), the tests (which hold
    correct submissions) and the git history."""
    root = repository_root()
    paths = [root / "exercises", root / "tests", root / ".git"]
    git = root / ".git"
    if git.is_file():  # a worktree: .git points into the main repository's git directory
        text = git.read_text(errors="replace").strip()
        if text.startswith("gitdir:"):
            worktree_git = Path(text.split(":", 1)[1].strip())
            paths.append(worktree_git.parent.parent)
    extra = os.environ.get("KIT_GRADING_HIDE", "")
    paths += [Path(p) for p in extra.split(os.pathsep) if p]
    return [str(p.resolve()) for p in paths if p.exists()]


class Zygote:
    """A long-lived process with TensorFlow imported, that forks one sandboxed child per call.

    Not thread-safe by design: one call at a time (a batch runs one zygote per worker).
    """

    def __init__(self, hide: list[str] | None = None):
        if hide is not None and (not isinstance(hide, (list, tuple)) or not all(isinstance(p, str) for p in hide)):
            raise TypeError(f"hide must be a list of paths (str) the submission must not read. Got {hide!r} instead.")
        self.hide = list(default_hidden_paths() if hide is None else hide)
        self._process = None
        self._exchange = None
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self.start_seconds = 0.0

    def start(self) -> "Zygote":
        if self._process is not None and self._process.poll() is None:
            return self
        started = time.monotonic()
        self._exchange = tempfile.mkdtemp(prefix="kit-grading-")
        os.chmod(self._exchange, 0o700)  # requests hold the submission: only the grader's user reads them
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(repository_root()) + os.pathsep
                   + os.environ.get("PYTHONPATH", ""))
        self._process = subprocess.Popen([sys.executable, "-m", "kit.grading.zygote"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                         cwd=self._exchange, start_new_session=True)
        line = self._read_line(READY_TIMEOUT)
        if not line or not json.loads(line).get("ready"):
            self.close()
            raise RuntimeError("the grading zygote did not start (is TensorFlow importable?)")
        self.start_seconds = time.monotonic() - started
        return self

    def _read_line(self, timeout: float) -> str | None:
        stream = self._process.stdout
        deadline = time.monotonic() + timeout
        buffer = b""
        while not buffer.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([stream], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                return None
            buffer += chunk
        return buffer.decode()

    def call(self, source: str, driver: str, arguments: dict, limits: Limits,
             filename: str = "submission.py") -> CallOutcome:
        """Run ``driver(submission, **arguments)`` in a fresh sandboxed child; never raises for the child's faults."""
        if not isinstance(source, str):
            raise TypeError(f"source must be the submission's text (str); got {type(source).__name__}.")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a kit.grading.Limits; got {type(limits).__name__}.")
        with self._lock:
            self.start()
            stem = f"call-{next(self._counter)}"
            request = {"source": source, "filename": os.path.basename(filename) or "submission.py",
                       "driver": driver, "arguments": protocol.encode(arguments).decode(),
                       "limits": limits.as_dict(), "hide": self.hide}
            path = os.path.join(self._exchange, f"{stem}.request.json")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(request, handle)
            backstop = limits.timeout + BACKSTOP_MARGIN
            message = {"request": path, "exchange": self._exchange, "stem": stem, "backstop": backstop}
            try:
                self._process.stdin.write((json.dumps(message) + "\n").encode())
                self._process.stdin.flush()
                line = self._read_line(backstop + BACKSTOP_MARGIN)
            except (BrokenPipeError, OSError):
                line = None
            if line is None:  # the zygote died or hung: restart it for the next call
                self.close()
                return CallOutcome("internal", details={"message": "the grading zygote stopped responding"})
            return self._collect(stem)

    def _collect(self, stem: str) -> CallOutcome:
        def take(suffix):
            path = os.path.join(self._exchange, stem + suffix)
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                return b""
            finally:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass

        try:
            status = json.loads(take(".status.json") or b"{}")
        except json.JSONDecodeError:
            status = {}
        answer, output = take(".answer"), take(".output").decode("utf-8", errors="replace")
        state = status.get("state", "internal")
        outcome = CallOutcome(state, output=output, seconds=float(status.get("seconds", 0.0)), details=status)
        if state == "answered":
            outcome = self._decode(answer, outcome)
        return outcome

    @staticmethod
    def _decode(answer: bytes, outcome: CallOutcome) -> CallOutcome:
        length = int.from_bytes(answer[:8], "little") if len(answer) >= 8 else -1
        try:
            if length != len(answer) - 8:
                raise protocol.ProtocolError("the answer frame is damaged")
            message = protocol.decode(answer[8:])
            if type(message) is not dict or type(message.get("ok")) is not bool:
                raise protocol.ProtocolError("the answer is not a driver's message")
        except protocol.ProtocolError as error:
            outcome.state = "garbled"
            outcome.details["message"] = f"the answer channel held something else than the driver's answer ({error})"
            return outcome
        if message["ok"]:
            outcome.value = message.get("value")
        else:
            error = message.get("error")
            outcome.error = error if type(error) is dict else {"type": "Error", "message": "unknown", "stage": "call"}
        return outcome

    def close(self) -> None:
        if self._process is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._exchange:
            shutil.rmtree(self._exchange, ignore_errors=True)
            self._exchange = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
