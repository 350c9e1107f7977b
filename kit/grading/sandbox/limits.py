"""What one sandboxed call may use: wall time, CPU time, memory, processes, output, files.

Example:
    >>> Limits(timeout=2).cpu_seconds
    3.0
"""

from __future__ import annotations

import dataclasses

from kit.errors import COUNT, SECONDS, check

__all__ = ["OWNER", "Limits", "LIMIT_STATES", "RESOURCE_ERRORS"]

OWNER = "kit.grading.Limits"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per-call limits of the sandbox.

    Attributes:
        timeout: wall-clock seconds before the call is killed.
        cpu: CPU seconds (all threads together; RLIMIT_CPU); ``None`` means ``timeout + 1``.
        memory_mb: memory the call may allocate on top of what the zygote already holds
            (RLIMIT_DATA, which, unlike RLIMIT_AS, ignores TensorFlow's large virtual reservations).
        processes: processes and threads of the sandbox user (RLIMIT_NPROC; root only, since
            the count is per user and only the dedicated sandbox user can be limited safely).
        output_kb: stdout + stderr beyond this kills the call (a flood is a bug, not an answer).
        file_mb: largest file the call may write (RLIMIT_FSIZE); also caps the scratch tmpfs.
        result_mb: largest answer the call may send back.
    """

    timeout: float = 10.0
    cpu: float | None = None
    memory_mb: int = 1024
    processes: int = 256
    output_kb: int = 1024
    file_mb: int = 16
    result_mb: int = 64

    def __post_init__(self):
        check(self.timeout, SECONDS, "timeout", OWNER)
        check(self.cpu, [SECONDS, None], "cpu", OWNER)
        for name in ("memory_mb", "processes", "output_kb", "file_mb", "result_mb"):
            check(getattr(self, name), COUNT, name, OWNER)

    @property
    def cpu_seconds(self) -> float:
        return float(self.cpu if self.cpu is not None else self.timeout + 1)

    def capped(self, timeout: float | None) -> "Limits":
        """These limits with the wall time lowered to ``timeout`` (when given and smaller)."""
        if timeout is None or timeout >= self.timeout:
            return self
        return dataclasses.replace(self, timeout=float(timeout), cpu=None if self.cpu is None else min(self.cpu, timeout + 1))

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


LIMIT_STATES = ("memory", "processes", "file_size")  # limits the keeper saw reached (its status's "reached")
"""The limits the keeper reports as reached (its status's ``reached``): a call that ran into one is named for it."""

RESOURCE_ERRORS = {"memory": ("MemoryError", "_ArrayMemoryError", "ResourceExhaustedError"),
                   "processes": ("BlockingIOError", "RuntimeError", "OSError", "ResourceExhaustedError"),
                   "file_size": ("OSError",)}
"""The exceptions that running out of each resource raises in Python, NumPy and TensorFlow (a
failed fork is BlockingIOError, a thread that cannot start RuntimeError, a write past the file
size limit OSError: Python ignores SIGXFSZ)."""
