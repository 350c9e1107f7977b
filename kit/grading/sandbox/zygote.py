"""The parent's handle on the sandbox: start a zygote once, run one driver call per fork.

Example:
    >>> with Zygote() as zygote:                       # pays the TensorFlow import once
    ...     outcome = zygote.call("x = 1\\ndef f(v):\\n    return v * 2\\n", "call",
    ...                           {"function": "f", "args": [3]}, Limits(timeout=5))
    >>> outcome.state, outcome.value["plain"]
    ('answered', 6)

Isolation (see :mod:`kit.grading.sandbox.child`) has three levels, :attr:`Zygote.level` says which
one the zygote found at its start and :attr:`Zygote.isolation` what that level's own steps could
not do ([] when they all hold). As root, each call runs as its zygote's own sandbox user
(:func:`claim_sandbox_user`: a uid of ``KIT_SANDBOX_UIDS`` no other zygote, process or account
uses, so parallel workers never share one user's process limit) with no supplementary groups and
no_new_privs; ``full`` (root with CAP_SYS_ADMIN) adds fresh mount, network and PID namespaces, a
private size-capped ``/tmp`` and empty mounts over the hidden paths (:func:`default_hidden_paths`);
``container`` (root without CAP_SYS_ADMIN: Docker's default capabilities, Gradescope) makes the
hidden paths root-only and refuses network sockets with a seccomp filter instead. ``none`` (not
root): only the resource limits, a new process group, the keeper's reaping of leftovers and a
scratch directory apply: the submission could read files the grader's user can read and open
network connections, which is why graded runs (CI, Gradescope) run as root, in a container.

Channels: the grader talks to the zygote over a ``SOCK_SEQPACKET`` socket pair, and each call
gets a fresh ``SOCK_STREAM`` pair, one end passed to the call's keeper. Sockets cannot be
reopened through ``/proc/PID/fd`` (pipes and files can), the zygote and its keepers are not
dumpable, and so is the grading process when the sandbox has no user of its own: a process a
submission managed to leave behind can write nothing the grader reads for a later call.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import math
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kit import config
from kit.paths import exercises_root, repository_root
from kit.errors import InvalidParameter, KitError, invalid
from kit.grading.sandbox import child, protocol
from kit.grading.sandbox.limits import LIMIT_STATES, RESOURCE_ERRORS, Limits  # noqa: F401 (re-exported)

__all__ = ["LIMIT_STATES", "RESOURCE_ERRORS", "Limits", "READY_TIMEOUT", "BACKSTOP_MARGIN", "GRADESCOPE_SOURCE",
           "PREPARED_SECONDS", "MAX_PROGRAM_BYTES", "STATES", "MAX_STATUS_BYTES", "MAX_NOTES", "NOTE_CHARACTERS",
           "PROBE_LIMITS", "SandboxError",
           "DEFAULT_SANDBOX_UIDS", "UID_LOCKS", "sandbox_uids", "claim_sandbox_user", "REQUIRED_LEVELS",
           "IsolationRequired", "required_level", "isolation_required", "meets", "CallOutcome",
           "default_hidden_paths", "outcome_from_report", "resource_state", "decode_answer", "Zygote"]

READY_TIMEOUT = 180.0  # TensorFlow's import takes 5-15 s, longer on a loaded 2-core machine
BACKSTOP_MARGIN = 10.0
GRADESCOPE_SOURCE = Path("/autograder/source")  # Gradescope's copy of the autograder: checks, solutions
STATES = ("answered", "timeout", "cpu", "memory", "processes", "output", "answer", "file_size", "signal", "exited",
          "internal", "probed")
MAX_STATUS_BYTES = 1 << 20  # the keeper's status is a few hundred bytes
MAX_NOTES = 20
NOTE_CHARACTERS = 500
PROBE_LIMITS = Limits(timeout=10)
PREPARED_SECONDS = config.default("KIT_CHECK_SERVER_IDLE")
"""How long a prepared call (:meth:`Zygote.prepare`) waits for its call by default: the check
server's idle time, after which the server ends anyway."""
MAX_PROGRAM_BYTES = 1 << 16  # a call's program descriptions, as JSON (one is about 1.2 kB)


class SandboxError(KitError, RuntimeError):
    """The sandbox itself cannot run (the zygote did not start); the message says why."""


DEFAULT_SANDBOX_UIDS = config.default("KIT_SANDBOX_UIDS")
"""Where each zygote's sandbox user is taken from by default: unused by systemd's conventions
(regular users end at 60000, homed users at 60513, container-mapped host users at 60577, its
dynamic service users start at 61184) and by useradd (subordinate uids start at 100000); uids
that name an account or run a process are skipped anyway."""
UID_LOCKS = Path("/run/kit-sandbox-uids")  # one lock file per claimed uid, root's only


def sandbox_uids() -> range:
    """The uids zygotes take their sandbox users from: ``KIT_SANDBOX_UIDS`` (``FIRST-LAST``,
    inclusive; :mod:`kit.config`) or :data:`DEFAULT_SANDBOX_UIDS`.

    Example:
        >>> sandbox_uids()                    # KIT_SANDBOX_UIDS unset      # doctest: +SKIP
        range(60600, 61000)
    """
    return config.read("KIT_SANDBOX_UIDS")


def _lock_folder() -> Path:
    folder = UID_LOCKS if UID_LOCKS.parent.is_dir() else Path(tempfile.gettempdir()) / UID_LOCKS.name
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
    except OSError as error:
        raise SandboxError(f"cannot use {folder} to hand out sandbox users ({error.strerror or error})") from None
    if not os.path.isdir(folder) or os.path.islink(folder) or status.st_uid != os.geteuid() or status.st_mode & 0o022:
        raise SandboxError(f"{folder} must be a folder of the grader's own user that others cannot write "
                           "(it hands out sandbox users); remove it and grade again")
    return folder


def _running_uids() -> set:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.add(os.stat(f"/proc/{entry}").st_uid)
            except OSError:
                pass
    return found


def claim_sandbox_user():
    """``((uid, gid), lock)`` for a new zygote as root: its own sandbox user, held while ``lock``
    (a file descriptor with an exclusive ``flock``) stays open in any process, or ``(None, None)``
    without the full sandbox (not root: there is no user to change to).

    The uid is the first of :func:`sandbox_uids` that no other zygote holds (on this machine,
    whichever program started it), that names no account (whose files it would own) and that no
    process runs as (RLIMIT_NPROC counts every process of a uid). ``KIT_SANDBOX_USER`` instead
    names one user every zygote shares (``(uid, gid)``, no lock). Its group is the uid itself, a
    group nobody belongs to.

    Example:
        >>> user, lock = claim_sandbox_user()      # as root        # doctest: +SKIP
        >>> user                                                     # doctest: +SKIP
        (60600, 60600)
    """
    import pwd

    if not child.privileged():
        return None, None
    if config.read("KIT_SANDBOX_USER"):
        return child.sandbox_user(), None
    uids = sandbox_uids()
    folder = _lock_folder()
    running = _running_uids()
    for uid in uids:
        if uid in running:
            continue
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        descriptor = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            continue
        return (uid, uid), descriptor
    raise SandboxError(f"every sandbox user of KIT_SANDBOX_UIDS ({uids.start}-{uids.stop - 1}) is taken by another "
                       "zygote, an account or a running process: set KIT_SANDBOX_UIDS to a wider range of unused ids")


REQUIRED_LEVELS = ("container", "full")  # what --require-isolation may ask for; "container" is "at least container"


class IsolationRequired(SandboxError):
    """Isolation was required (``require_isolation``, ``--require-isolation``,
    ``KIT_REQUIRE_ISOLATION=1``) and the sandbox cannot provide it here: its level is below the
    one required (``none``, or ``container`` when ``full`` is), or that level's own steps failed."""

    def __init__(self, problems, level: str | None = None, required: str = "container"):
        self.problems = list(problems)
        self.level, self.required = level, required
        found = f"level {level}" + ("; " if self.problems else "") if level else ""
        how = ("Grade as root in a container that allows namespaces (CAP_SYS_ADMIN)" if required == "full" else
               "Grade as root, in a container if need be (docs/grading.md, Isolation)")
        super().__init__(f"refusing to grade: the sandbox cannot isolate submissions here at level {required} or "
                         f"better ({found}" + "; ".join(self.problems) + f"). {how}, or drop --require-isolation / "
                         "KIT_REQUIRE_ISOLATION.")


def required_level(value=None) -> str | None:
    """The least isolation grading must have (``"container"`` or ``"full"``), or None to grade
    at any level with a warning: ``value`` when given (True is ``"container"``, False None),
    else the environment's ``KIT_REQUIRE_ISOLATION`` (``1``/``true``/``yes``/``container``,
    ``full``, or ``0``/``false``/``no``/unset).

    Example:
        >>> required_level(True), required_level(False), required_level("full")
        ('container', None, 'full')
    """
    if isinstance(value, bool):
        return "container" if value else None
    if value in REQUIRED_LEVELS:
        return value
    if value is not None:
        raise invalid("require_isolation", "grade_submission",
                      f"True, False, None (read KIT_REQUIRE_ISOLATION) or one of {REQUIRED_LEVELS}", value)
    return config.read("KIT_REQUIRE_ISOLATION")


def isolation_required(value=None) -> bool:
    """Whether grading must refuse without isolation (:func:`required_level` is not None).

    Example:
        >>> isolation_required(True), isolation_required(False)
        (True, False)
    """
    return required_level(value) is not None


def meets(level: str, problems, required: str | None) -> bool:
    """Whether a grade isolated at ``level`` with ``problems`` satisfies ``required``.

    Example:
        >>> meets("container", [], "container"), meets("container", [], "full"), meets("full", ["x"], "container")
        (True, False, False)
    """
    if required is None:
        return True
    return not problems and child.level_rank(level) <= child.level_rank(required)


@dataclasses.dataclass
class CallOutcome:
    """What one sandboxed call ended with.

    ``state``: ``answered`` (the driver sent plain data), ``timeout``, ``cpu``, ``memory``
    (the memory limit), ``processes`` (the process and thread limit: a fork bomb), ``output``,
    ``answer`` (too large), ``file_size``, ``signal`` (crashed), ``exited`` (the process ended
    without answering), ``garbled`` (the answer could not be decoded), ``internal`` (a grader
    failure). ``memory``, ``processes`` and a ``file_size`` that Python saw as ``OSError`` come
    from what the keeper measured (see :func:`resource_state`), never from the submission's words
    alone. ``value`` is the decoded answer when the driver succeeded; ``error`` is ``{"type",
    "message", "stage", "traceback"}`` when the submission raised (``stage`` is ``import`` or
    ``call``). ``details`` holds only checked fields: ``seconds``, ``cpu_seconds``,
    ``output_bytes``, ``exit_code``, ``signal``, ``message``, ``notes``, ``memory_peak_mb``,
    ``tasks_peak``, ``reached``, ``level`` (the isolation level the keeper reached) and, for the
    probe, ``changed`` (the paths whose mode it changed: hidden paths made root-only, folders
    above the kit made searchable).
    ``imports``: the modules the submission's own code imported during the call (see
    :func:`kit.grading.sandbox.child.record_imports`), for an exercise's forbidden imports.
    ``programs``: descriptions of the ``train_many`` programs the call traced
    (:func:`kit.training.many.traced_programs`), as the runner reported them: hints for a
    prepared call (:meth:`Zygote.prepare`), which checks them in its own sandbox, never trusted here.
    """

    state: str
    value: object = None
    error: dict | None = None
    output: str = ""
    seconds: float = 0.0
    details: dict = dataclasses.field(default_factory=dict)
    imports: tuple = ()  # the modules the submission's code imported in this call (names, as reported)
    programs: tuple = ()  # the train_many programs it traced (descriptions, as reported)

    @property
    def ok(self) -> bool:
        return self.state == "answered" and self.error is None


def _hide_around(path: Path, keep: list[Path]) -> list[Path]:
    """``path``, or, when it holds something in ``keep``, its other entries (recursively)."""
    if not any(k == path or path in k.parents for k in keep):
        return [path]
    if path in keep:
        return []
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    # A symbolic link inside is not followed: what it points to lies outside and stays as it is.
    return [hidden for entry in entries if not entry.is_symlink() for hidden in _hide_around(entry, keep)]


def default_hidden_paths() -> list[str]:
    """What a submission must not read: the folder the checks and solutions are loaded from
    (:func:`kit.paths.exercises_root`, so ``KIT_EXERCISES`` too) and the repository's
    ``exercises``, the tests (which hold correct submissions), the git history, Gradescope's
    ``/autograder/source`` when it exists, and ``KIT_GRADING_HIDE`` (``:``-separated).

    A folder that holds the kit or Python itself (``/autograder/source`` often does) is hidden
    around them: every entry except the path that leads to them.
    """
    root = repository_root()
    paths = [exercises_root(), root / "exercises", root / "tests", root / ".git", GRADESCOPE_SOURCE]
    git = root / ".git"
    if git.is_file():  # a worktree: .git points into the main repository's git directory
        text = git.read_text(errors="replace").strip()
        if text.startswith("gitdir:"):
            worktree_git = Path(text.split(":", 1)[1].strip())
            paths.append(worktree_git.parent.parent)
    paths += config.read("KIT_GRADING_HIDE")
    keep = [Path(p) for p in child.kept_paths()]  # the kit's package and Python's libraries
    hidden = []
    for path in paths:
        if path.exists():
            for found in _hide_around(path.resolve(), keep):
                if str(found) not in hidden:
                    hidden.append(str(found))
    return hidden


def outcome_from_report(status: bytes, answer: bytes, output: bytes) -> CallOutcome:
    """A keeper's report (status JSON, answer frame, output tail) → a :class:`CallOutcome`.

    Total: any bytes give an outcome. Fields of the wrong type are dropped, text is cleaned
    (lone surrogates, length), and an answer that does not decode becomes ``garbled``.
    """
    try:
        raw = json.loads(bytes(status).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raw = None
    raw = raw if type(raw) is dict else {"message": "the sandbox's report could not be read"}
    state = raw.get("state") if raw.get("state") in STATES else "internal"
    details = {}
    for key in ("seconds", "cpu_seconds"):
        if type(raw.get(key)) in (int, float) and math.isfinite(raw[key]) and raw[key] >= 0:
            details[key] = float(raw[key])
    for key in ("exit_code", "output_bytes", "memory_peak_mb", "tasks_peak"):
        if type(raw.get(key)) is int and abs(raw[key]) < 2 ** 63:
            details[key] = raw[key]
    reached = raw.get("reached")
    details["reached"] = [r for r in LIMIT_STATES if r in reached] if type(reached) is list else []
    for key in ("signal", "message"):
        if type(raw.get(key)) is str:
            details[key] = protocol.clean_text(raw[key], NOTE_CHARACTERS)
    if raw.get("level") in child.LEVELS:
        details["level"] = raw["level"]
    changed = raw.get("changed")
    if type(changed) is list:
        details["changed"] = [protocol.clean_text(p, NOTE_CHARACTERS) for p in changed[:1000] if type(p) is str]
    notes = raw.get("notes")
    details["notes"] = [protocol.clean_text(n, NOTE_CHARACTERS) for n in notes[:MAX_NOTES] if type(n) is str] \
        if type(notes) is list else []
    if state == "internal" and "message" not in details:
        details["message"] = "the sandbox's report could not be read"
    text = bytes(output).decode("utf-8", errors="replace")  # replace: never a lone surrogate
    outcome = CallOutcome(state, output=text, seconds=details.get("seconds", 0.0), details=details)
    return resource_state(decode_answer(bytes(answer), outcome) if state == "answered" else outcome)


def resource_state(outcome: CallOutcome) -> CallOutcome:
    """``outcome`` named for the limit it ran into, when the keeper saw that limit reached.

    The keeper already names a call that gave no answer (time limit, crash, end) for the limit
    it reached. Here, a call that did answer is renamed when that answer is garbled (a fork
    bomb's children writing into the answer channel) or reports, at the top or for one input, an
    exception that limit raises (:data:`RESOURCE_ERRORS`). Without the keeper's measurement the
    same exception stays the submission's own ("raised MemoryError: …"), so raising one by hand
    names no limit.
    """
    if outcome.state not in ("answered", "garbled"):
        return outcome
    for limit in outcome.details.get("reached", []):
        if outcome.state == "garbled" or _raised(outcome.error if outcome.error is not None else outcome.value,
                                                 RESOURCE_ERRORS[limit]):
            outcome.state, outcome.value = limit, None
            return outcome
    return outcome


def _raised(value, names, depth: int = 3) -> bool:
    """Whether ``value`` (an error report, or an answer holding ``{"error": {"type": …}}`` per
    input) names one of these exception types."""
    if type(value) is not dict or depth == 0:
        return False
    if type(value.get("type")) is str and value["type"] in names and "message" in value:
        return True
    return any(_raised(item, names, depth - 1) for item in value.values())


def _settling(status: bytes) -> bool:
    """Whether a keeper's status says it is still ending the call's processes ("settle")."""
    try:
        raw = json.loads(bytes(status).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return type(raw) is dict and raw.get("settle") is True


def decode_answer(answer: bytes, outcome: CallOutcome) -> CallOutcome:
    """The runner's answer frame (8-byte length, then the protocol's JSON) into ``outcome``.

    Total: a frame that is damaged, does not decode, or is not a driver's message
    (``{"ok": bool, "value" | "error": …}``) makes the outcome ``garbled``, with the reason.
    """
    length = int.from_bytes(answer[:8], "little") if len(answer) >= 8 else -1
    try:
        if length != len(answer) - 8:
            raise protocol.ProtocolError("the answer frame is damaged")
        message = protocol.decode(answer[8:])
        if type(message) is not dict or type(message.get("ok")) is not bool:
            raise protocol.ProtocolError("the answer is not a driver's message")
    except protocol.ProtocolError as error:
        outcome.state = "garbled"
        outcome.details["message"] = protocol.clean_text(str(error), NOTE_CHARACTERS)
        return outcome
    imports = message.get("imports")
    outcome.imports = tuple(protocol.clean_text(name, NOTE_CHARACTERS) for name in imports[:child.MAX_IMPORTS]
                            if type(name) is str) if type(imports) is list else ()
    programs = message.get("programs")
    if type(programs) is list and all(type(p) is dict for p in programs[:child.MAX_PROGRAMS]):
        try:
            if len(json.dumps(programs[:child.MAX_PROGRAMS])) <= MAX_PROGRAM_BYTES:
                outcome.programs = tuple(programs[:child.MAX_PROGRAMS])
        except (TypeError, ValueError, RecursionError):
            pass
    if message["ok"]:
        outcome.value = message.get("value")
    else:
        error = message.get("error")
        outcome.error = error if type(error) is dict else {"type": "Error", "message": "unknown", "stage": "call"}
    return outcome


class Zygote:
    """A long-lived process with TensorFlow imported, that forks one sandboxed child per call.

    Not thread-safe by design: one call at a time (a batch runs one zygote per worker).
    Once started, ``level`` names the isolation level (``full``, ``container``, ``none``: see
    :data:`kit.grading.sandbox.child.LEVELS`), ``isolation`` lists what that level's own steps cannot do
    ([] = isolated at that level) and ``changed`` the paths whose mode its probe changed.
    """

    def __init__(self, hide: list[str] | None = None, runtime: str = "keras"):
        from kit.grading.sandbox.zygote_process import PRELOADS

        if hide is not None and (not isinstance(hide, (list, tuple)) or not all(isinstance(p, str) for p in hide)):
            raise TypeError(f"hide must be a list of paths (str) the submission must not read. Got {hide!r} instead.")
        if runtime not in PRELOADS:
            raise InvalidParameter(f"The 'runtime' parameter of Zygote must be one of {', '.join(PRELOADS)} (what its "
                                   f"children start with). Got {runtime!r} instead.")
        self.runtime = runtime
        self.hide = list(default_hidden_paths() if hide is None else hide)
        self.isolation: list[str] = []
        self.level = "none"  # until the probe at start says otherwise
        self.changed: list[str] = []
        self._process = None
        self._control = None
        self._stderr = None
        self._lock = threading.Lock()
        self.start_seconds = 0.0
        self._launched = 0.0
        self._ready = False
        self.user: tuple[int, int] | None = None  # as root, the sandbox user its calls run as
        self._hint = None  # (call key, limits, programs) of the last call that trained with train_many
        self._prepared = None  # (socket, call key, deadline) of the prepared call, see prepare()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def launch(self) -> "Zygote":
        """Start the zygote's process and return at once, while it imports TensorFlow: the caller
        can import its own meanwhile (the check server does); :meth:`start` then waits for it."""
        if self._process is not None:
            return self
        self._launched = time.monotonic()
        child.level_setting()  # a wrong KIT_SANDBOX_LEVEL is refused here, before any process starts
        if not child.privileged():
            # The runner will share this process's user: without this, a process it left behind
            # could attach to the grader, or open its sockets and files through /proc/PID/fd.
            child.make_undumpable()
        # The zygote holds its user's lock (an inherited descriptor) for as long as it or one of
        # its keepers lives: no other zygote gets that uid while a call of this one may run.
        self.user, lock = claim_sandbox_user()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr = tempfile.TemporaryFile()  # why it did not start, should it not
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(repository_root()) + os.pathsep
                   + os.environ.get("PYTHONPATH", ""))
        passed = (theirs.fileno(),) if lock is None else (theirs.fileno(), lock)
        try:
            with theirs:
                self._process = subprocess.Popen([sys.executable, "-m", "kit.grading.sandbox.zygote_process", str(theirs.fileno()),
                                                  self.runtime],
                                                 pass_fds=passed, stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL, stderr=self._stderr, env=env, cwd="/",
                                                 start_new_session=True)
        finally:
            if lock is not None:
                os.close(lock)
        self._control = ours
        return self

    def start(self) -> "Zygote":
        """Launch the zygote (unless :meth:`launch` did), wait until it is ready and probe its isolation."""
        if self._process is not None and self._process.poll() is None and self._ready:
            return self
        if self._process is not None and self._process.poll() is not None:
            self.close()  # one that ended (before it was ready, or since): a fresh one is launched below
        self.launch()
        ready = self._receive(READY_TIMEOUT)
        if not ready.get("ready"):
            reason = self._stderr_tail()
            self.close()
            raise SandboxError("the grading zygote did not start" + (f": {reason}" if reason else
                                                                    " (is TensorFlow importable?)"))
        self._ready = True
        self.start_seconds = time.monotonic() - self._launched
        probe = self._exchange({"probe": True, "hide": self.hide, "limits": PROBE_LIMITS.as_dict(), "user": self.user},
                               PROBE_LIMITS.timeout + BACKSTOP_MARGIN, PROBE_LIMITS)
        self.isolation = list(probe.details.get("notes", []))
        self.level = probe.details.get("level", "none")
        self.changed = list(probe.details.get("changed", []))
        if probe.state != "probed":
            self.isolation.append(f"the isolation probe failed ({probe.details.get('message', probe.state)})")
        return self

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            lines = [line for line in self._stderr.read().decode(errors="replace").splitlines() if line.strip()]
        except (OSError, AttributeError):
            return ""
        return lines[-1].strip()[:500] if lines else ""

    def _receive(self, timeout: float) -> dict:
        """The zygote's next packet as a dict ({} when it ended, hung or sent something else)."""
        try:
            ready, _, _ = select.select([self._control], [], [], max(timeout, 0))
            if not ready:
                return {}
            message = json.loads(self._control.recv(65536) or b"{}")
        except (OSError, ValueError):
            return {}
        return message if type(message) is dict else {}

    def call(self, source: str, driver: str, arguments: dict, limits: Limits,
             filename: str = "submission.py") -> CallOutcome:
        """Run ``driver(submission, **arguments)`` in a fresh sandboxed child; never raises for the child's faults."""
        if not isinstance(source, str):
            raise TypeError(f"source must be the submission's text (str); got {type(source).__name__}.")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be a kit.grading.Limits; got {type(limits).__name__}.")
        key = (driver, arguments.get("function") if isinstance(arguments, dict) else None,
               json.dumps(limits.as_dict(), sort_keys=True))
        with self._lock:
            self.start()
            request = {"source": source, "filename": os.path.basename(filename) or "submission.py",
                       "driver": driver, "arguments": protocol.encode(arguments).decode(),
                       "limits": limits.as_dict(), "hide": self.hide, "user": self.user, "level": self.level}
            prepared = self._take_prepared(key)
            outcome = None
            if prepared is not None:  # its keeper may wait for the warm-up before the call's clock starts
                outcome = self._exchange(request, limits.timeout + BACKSTOP_MARGIN + child.PREPARED_WAIT_SECONDS,
                                         limits, prepared)
                if outcome.state == "internal" and outcome.details.get("message") == child.PREPARED_UNAVAILABLE:
                    outcome = None  # nothing of the call ran there: run it as any call
            if outcome is None:
                request["beside"] = self._prepared is not None  # its runner's tasks get room: see prepare()
                outcome = self._exchange(request, limits.timeout + BACKSTOP_MARGIN, limits)
            if outcome.programs:
                self._hint = (key, limits, outcome.programs)
            return outcome

    def prepare(self, wait: float = PREPARED_SECONDS) -> bool:
        """Fork the keeper and runner of the next call like the last one that trained with
        ``train_many`` now, and let the runner, isolated as for any call, trace, compile and run for
        no epoch the programs that call traced (``CallOutcome.programs``; checked there, in the
        sandbox) while nothing else happens: the next such call (the same driver, function and
        limits: a student's next check) skips seconds of tracing and compiling. Its clock starts
        when the runner takes the call, so the warm-up is never the submission's time.

        What the check server does once it has answered a check: the runner's memory then holds
        programs described by the last submission, which in a check server is the same student's.
        Batch grading never prepares. False when there is nothing to prepare (no call trained, one
        is prepared already, a NumPy zygote) or the zygote would not fork. Calls not like the
        prepared one run beside it as usual (their process limit gets room for the prepared
        runner's tasks, which share their user: :func:`kit.grading.sandbox.child._set_limits`); a
        call after ``wait`` seconds ends it.
        """
        with self._lock:
            if self._prepared is not None or self._hint is None or not self._ready or self.runtime != "keras":
                return False
            key, limits, programs = self._hint
            backstop = wait + child.PREPARED_WAIT_SECONDS + limits.timeout + BACKSTOP_MARGIN
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                with theirs:
                    socket.send_fds(self._control, [json.dumps({"backstop": backstop}).encode()], [theirs.fileno()])
                if not self._receive(READY_TIMEOUT).get("done"):
                    ours.close()
                    self.close()
                    return False
                payload = json.dumps({"prepare": True, "programs": list(programs), "limits": limits.as_dict(),
                                      "hide": self.hide, "user": self.user, "level": self.level}).encode()
                ours.sendall(struct.pack("<Q", len(payload)) + payload)
            except OSError:
                ours.close()
                return False
            self._prepared = (ours, key, time.monotonic() + wait)
            return True

    def discard_prepared(self, forget: bool = False) -> None:
        """End the prepared call (:meth:`prepare`), if any, and wait until its keeper has ended;
        with ``forget``, also what the last call ran (nothing to prepare until a call trains again)."""
        with self._lock:
            if forget:
                self._hint = None
            if self._prepared is not None:
                connection, self._prepared = self._prepared[0], None
                self._end_prepared(connection)

    def _take_prepared(self, key):
        """The prepared call's socket when it was prepared for a call like this one, else None: a
        call not like it leaves it waiting (a check's first call lists the submission's names),
        one past its wait ends it."""
        if self._prepared is None:
            return None
        connection, prepared_key, deadline = self._prepared
        if time.monotonic() >= deadline - BACKSTOP_MARGIN:
            self._prepared = None
            self._end_prepared(connection)
            return None
        if prepared_key != key:
            return None
        self._prepared = None
        return connection

    @staticmethod
    def _end_prepared(connection: socket.socket, wait: bool = True) -> None:
        """End a prepared call: its keeper reads the end of the request, kills its runner, reaps it
        and ends, which closes the socket (awaited, unless ``wait`` is False)."""
        with connection:
            try:
                connection.shutdown(socket.SHUT_WR)
                if wait:
                    Zygote._await_end(connection, time.monotonic() + BACKSTOP_MARGIN)
            except OSError:
                pass

    def _exchange(self, request: dict, backstop: float, limits: Limits, prepared=None) -> CallOutcome:
        """One keeper: send it ``request`` on a fresh socket (or on ``prepared``'s, whose keeper
        waits for it: see :meth:`prepare`), read its report from that socket only."""
        deadline = time.monotonic() + backstop + BACKSTOP_MARGIN
        ours, theirs = (prepared, None) if prepared is not None else socket.socketpair(socket.AF_UNIX,
                                                                                       socket.SOCK_STREAM)
        report = None
        with ours:
            try:
                if theirs is not None:
                    with theirs:
                        socket.send_fds(self._control, [json.dumps({"backstop": backstop}).encode()],
                                        [theirs.fileno()])
                payload = json.dumps(request).encode()
                ours.settimeout(max(deadline - time.monotonic(), 0.001))
                ours.sendall(struct.pack("<Q", len(payload)) + payload)
                report = self._read_report(ours, deadline, limits)
                if _settling(report[0]):  # the keeper still ends what the call left: wait for it
                    self._await_end(ours, deadline)
            except OSError:  # the zygote or the keeper died: reported below
                pass
        if prepared is not None:  # its keeper's fork was answered when it was prepared
            if report is None:  # the keeper ended before the call (its backstop): nothing of the call ran
                return CallOutcome("internal", details={"message": child.PREPARED_UNAVAILABLE, "notes": []})
            return outcome_from_report(*report)
        done = self._receive(deadline - time.monotonic())
        if not done.get("done"):  # the zygote died or hung: restart it for the next call
            self.close()
        if report is None:
            return CallOutcome("internal", details={"message": "the grading zygote stopped responding", "notes": []})
        return outcome_from_report(*report)

    @staticmethod
    def _read_report(connection: socket.socket, deadline: float, limits: Limits):
        def exactly(count: int) -> bytes:
            data = bytearray()
            while len(data) < count:
                connection.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = connection.recv(min(count - len(data), 1 << 20))
                if not chunk:
                    raise ConnectionError("the keeper ended before its report was complete")
                data.extend(chunk)
            return bytes(data)

        sizes = child.REPORT_HEADER.unpack(exactly(child.REPORT_HEADER.size))
        # The keeper enforces these caps; reading no more than them keeps the parent's memory bounded.
        caps = (MAX_STATUS_BYTES, limits.result_mb * 1024 * 1024 + 8 + (1 << 16), 2 * child.OUTPUT_TAIL_BYTES)
        if any(size > cap for size, cap in zip(sizes, caps)):
            return b"", b"", b""  # an unreadable report: outcome_from_report says so
        return tuple(exactly(size) for size in sizes)

    @staticmethod
    def _await_end(connection: socket.socket, deadline: float) -> None:
        """Wait (until ``deadline``) for the keeper to close the call's socket: it has reaped every
        process of the call, whose tasks would otherwise still count against the next call's
        process limit (the same sandbox user's)."""
        while True:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                if not connection.recv(1 << 16):
                    return
            except TimeoutError:
                return

    def close(self) -> None:
        if self._prepared is not None:  # its keeper ends when the zygote does
            self._end_prepared(self._prepared[0], wait=False)
            self._prepared = None
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self._ready = False
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
