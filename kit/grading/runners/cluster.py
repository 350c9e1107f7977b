"""Grade a batch on a Dask distributed cluster (``kit grade-batch … --scheduler ADDRESS``).

What crosses to a worker is what a grade needs and nothing of the batch's own state: the
exercise's id, the submission's file name and bytes, the per-call limits, whether isolation is
required and the checks' version. Each worker grades with its own copy of the kit and the
exercises, through the same sandbox as ``kit grade``: every worker process keeps warm zygotes
(one per task running at once, started on first use, closed by :class:`ZygotePlugin` when the
worker ends), and as root each zygote runs its submissions as its own sandbox user. The grade
comes back as plain data (``GradeResult.as_dict``) and this process alone writes the gradebook,
one transaction per submission, exactly as the local pool does.

The batch's process reads every submission (never through a link:
:mod:`kit.grading.sandbox.submission`) and holds the gradebook's lock while the cluster grades
(:func:`kit.grading.gradebook.batch_lock`), as the local pool does.

A worker whose checks differ from this machine's (another kit or exercise version) refuses to
grade: its grades would be recorded under a version they were not made with.

Dask itself trusts everyone who can reach the scheduler (they can run code on its workers):
run the scheduler and workers on machines and a network that only graders reach, with TLS
(``tls://``) where that network is shared. The submissions never run in a worker's own process,
only in its zygotes' sandboxed children.

Example:
    >>> from kit.grading.runners.batch import grade_folder
    >>> grade_folder("04", "submissions/", "gradebook.sqlite", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    Summary(graded=120, skipped=0, unusable=[], failed=[], seconds=95.1)
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import uuid
from pathlib import Path

from kit import caches
from kit.errors import KitError

__all__ = ["WORKERS_TIMEOUT", "INSTALL", "ClusterError", "connect_timeout", "connect", "close_zygotes",
           "grade_remote", "grade_on_cluster"]

WORKERS_TIMEOUT = 60.0
"""Seconds to wait for a first worker on a scheduler that has none yet (workers joining at the
start of a job take a few seconds each)."""
INSTALL = "pip install 'dask[distributed]~=2026.8' (it is in requirements.txt)"


class ClusterError(KitError):
    """The cluster cannot grade (no dask, no scheduler, no worker, other checks): the message says why."""


def _distributed():
    try:
        import distributed
    except ImportError as error:
        raise ClusterError(f"--scheduler needs Dask's distributed package, which cannot be imported here ({error}). "
                           f"Install it ({INSTALL}), or leave out --scheduler to grade on this machine.") from None
    return distributed


def connect_timeout() -> float:
    """Seconds to reach the scheduler: Dask's own setting (``distributed.comm.timeouts.connect``,
    30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)."""
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", "30s"), default="seconds"))


def connect(address: str, timeout: float | None = None):
    """A ``distributed.Client`` of the scheduler at ``address`` with at least one worker, or a
    :class:`ClusterError` in one sentence (dask missing, an address that is not one, nothing
    answering there, no worker joining within :data:`WORKERS_TIMEOUT`).

    Example:
        >>> client = connect("tcp://127.0.0.1:8786")                      # doctest: +SKIP
    """
    if not isinstance(address, str) or not address.strip():
        raise ClusterError(f"The 'scheduler' parameter of kit.grading.runners.cluster.connect must be a Dask scheduler's "
                           f"address such as tcp://10.0.0.5:8786. Got {address!r} instead.")
    distributed = _distributed()
    import asyncio
    import concurrent.futures

    timeout = connect_timeout() if timeout is None else timeout

    from distributed.comm import connect as open_comm

    async def probe():  # a Client that cannot connect complains again when it is collected: probe first
        comm = await open_comm(address, timeout=timeout)
        await comm.close()

    def run_probe():
        asyncio.run(probe())

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no event loop runs in this thread
            run_probe()
        else:  # called from code that runs an event loop here (a notebook, a test): probe from a thread
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(run_probe).result()
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except Exception as error:  # OSError (nothing there), ValueError (not an address), or what answered oddly
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ClusterError(f"Cannot reach the Dask scheduler at {address!r} ({reason}). Start one (`dask scheduler`, "
                           "then `dask worker ADDRESS` on each grading machine) and give its address, e.g. "
                           "tcp://10.0.0.5:8786, or leave out --scheduler to grade on this machine.") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except Exception:
        client.close()
        raise ClusterError(f"The Dask scheduler at {address!r} has no worker (waited {WORKERS_TIMEOUT:g} s). Start "
                           f"`dask worker {address}` on each grading machine, then run the batch again.") from None
    return client


# --------------------------------------------------------------------------------------------
# The worker's side


_idle: queue.SimpleQueue = queue.SimpleQueue()  # started zygotes of this worker process, not in use
_every: list = []  # every zygote this process started, for the plugin's teardown
_checks: dict = caches.register({}, "kit.grading.runners.cluster._checks")
_lock = threading.Lock()


def _take_zygote():
    from kit.grading.sandbox.zygote import Zygote

    try:
        return _idle.get_nowait()
    except queue.Empty:
        zygote = Zygote()
        with _lock:
            _every.append(zygote)
        return zygote


def close_zygotes() -> None:
    """Close every zygote this process started (a worker's teardown)."""
    with _lock:
        zygotes, _every[:] = list(_every), []
    while True:
        try:
            _idle.get_nowait()
        except queue.Empty:
            break
    for zygote in zygotes:
        zygote.close()


def grade_remote(exercise: str, filename: str, content: bytes, limits: dict | None, require_isolation: bool,
                 version: str) -> dict:
    """Grade one submission in this (worker) process; plain data back, never an exception.

    ``{"kind": "graded", "result": GradeResult.as_dict()}``, ``{"kind": "refused", "problems": […]}``
    (the sandbox cannot isolate here), ``{"kind": "other checks", "why": …}`` (this worker's
    checks' version is not ``version``), or ``{"kind": "failed", "why": …}`` (a grader failure:
    the batch retries it next run).
    """
    from kit.startup import import_tensorflow_quietly
    from kit.grading.authoring import exercises
    from kit.grading.runners.engine import grade_submission
    from kit.grading.gradebook import checks_version
    from kit.grading.sandbox.limits import Limits
    from kit.grading.sandbox.zygote import IsolationRequired
    from kit.grading.sandbox.submission import Submission

    try:
        import_tensorflow_quietly()  # the checks judge with it; its start-up lines would fill the worker's log
        found = exercises.find(exercise)
        chosen = Limits(**limits) if limits is not None else None
        mine = checks_version(found, chosen)
        if mine != version:
            return {"kind": "other checks", "why": f"a worker grades exercise {found.id} with checks version {mine}, "
                                                   f"not {version} as the batch's machine does"}
        with _lock:
            if (found.id, mine) not in _checks:
                _checks[found.id, mine] = exercises.load_checks(found)
            checks = _checks[found.id, mine]
        zygote = _take_zygote()
        try:
            name = Path(filename).name  # the name only: messages quote it as the student knows it
            result = grade_submission(found, Submission(name, bytes(content), name), zygote=zygote, limits=chosen,
                                      checks=checks, require_isolation=require_isolation)
        finally:
            _idle.put(zygote)
        return {"kind": "graded", "result": result.as_dict(timings=True)}
    except IsolationRequired as refused:
        return {"kind": "refused", "problems": list(refused.problems)}
    except Exception as error:
        return {"kind": "failed", "why": f"{type(error).__name__}: {error}"}


def _plugin_class():
    distributed = _distributed()

    class ZygotePlugin(distributed.WorkerPlugin):
        """Closes the worker's zygotes when the worker ends."""

        name = "kit-grading-zygotes"
        # Registered once per worker: a second batch on the same cluster (even at the same time)
        # must not tear down, with the first registration, zygotes the first batch is using.
        idempotent = True

        def teardown(self, worker):
            close_zygotes()

    return ZygotePlugin


# --------------------------------------------------------------------------------------------
# The batch's side


def grade_on_cluster(scheduler, planned, limits, require_isolation: bool):
    """``(kind, entry, digest, value)`` per submission of ``planned.todo`` as the cluster finishes
    it, like the local pool's: ``graded`` (a GradeResult naming the file as this machine sees
    it), ``failed`` (why; retried next run), ``refused`` (the isolation problems; the last one).

    ``scheduler``: an address (a connection is opened and closed here) or a ``distributed.Client``.
    A worker with other checks stops the batch with a :class:`ClusterError`.
    """
    from kit.grading.runners.engine import GradeResult

    distributed = _distributed()
    owned = not isinstance(scheduler, distributed.Client)
    client = connect(scheduler) if owned else scheduler
    futures = {}
    try:
        client.register_plugin(_plugin_class()())
        batch = uuid.uuid4().hex[:8]
        for entry, digest in planned.todo:
            future = client.submit(grade_remote, planned.exercise.id, entry.path.name, entry.content,  # read once
                                   limits.as_dict() if limits is not None else None, bool(require_isolation),
                                   planned.version, key=f"kit-grade-{batch}-{entry.student}")
            futures[future] = (entry, digest)
        for future in distributed.as_completed(list(futures), loop=client.loop):  # not the default client
            entry, digest = futures.pop(future)
            try:
                answer = future.result()
            except Exception as error:  # a worker died under it (twice): the grader's failure
                yield "failed", entry, digest, f"{type(error).__name__}: {error}"
                continue
            kind = answer.get("kind")
            if kind == "graded":
                result = GradeResult.from_dict(answer["result"])
                yield "graded", entry, digest, dataclasses.replace(result, submission=str(entry.path))
            elif kind == "refused":
                yield "refused", entry, digest, answer["problems"]
                return
            elif kind == "other checks":
                raise ClusterError(f"{answer['why']}: install the same kit and exercises on every worker as here, "
                                   "then run the batch again (what was graded is kept).")
            else:
                yield "failed", entry, digest, answer.get("why", "the worker gave no answer")
    finally:
        if futures:
            client.cancel(list(futures))
        if owned:
            client.close()
