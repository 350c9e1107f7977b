"""Grade a folder of submissions into a gradebook with a local pool of workers.

Each worker is a thread of this process with its own warm zygote (so N submissions run in N
sandboxes at once); the checks judge in this process, and this thread alone writes the
gradebook, one transaction per submission (:mod:`kit.grading.gradebook`). A submission's
faults (time limits, crashes, ``os._exit``) are its own grade's failures: the batch goes on.

A batch folder holds one entry per student: a file (``alice.py``, ``bob.ipynb``: the student is
the file's stem) or a folder holding exactly one ``.py`` or ``.ipynb`` (the student is the
folder's name). Entries starting with ``.`` or ``_`` are ignored.

Example:
    >>> summary = grade_folder("04", "submissions/", "gradebook.sqlite", workers=2)   # doctest: +SKIP
    >>> summary.graded, summary.skipped, summary.failed                              # doctest: +SKIP
    (40, 0, [])
"""

from __future__ import annotations

import dataclasses
import queue
import sys
import threading
import time
from pathlib import Path

from kit.errors import COUNT, MissingFile, check

SUFFIXES = (".py", ".ipynb")


@dataclasses.dataclass(frozen=True)
class Entry:
    student: str
    path: Path


@dataclasses.dataclass
class Summary:
    """What a batch did: ``graded`` (this run), ``skipped`` (already in the gradebook),
    ``unusable`` (entries that are no submission, with why), ``failed`` ((student, why) that the
    grader could not grade: retried by the next run)."""

    graded: int = 0
    skipped: int = 0
    unusable: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def find_submissions(folder) -> tuple[list[Entry], list[str]]:
    """The submissions in ``folder`` by student name, and why other entries are left out.

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "alice.py").write_text("")
        >>> entries, unusable = find_submissions(folder)
        >>> [entry.student for entry in entries], unusable
        (['alice'], [])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingFile(f"No folder {str(folder)!r}. Give the folder holding one file (or one folder) per student.")
    found: dict[str, list[Path]] = {}
    unusable = []
    for item in sorted(folder.iterdir()):
        if item.name.startswith((".", "_")):
            continue
        if item.is_dir():
            inside = [p for p in sorted(item.iterdir()) if p.suffix.lower() in SUFFIXES and p.is_file()
                      and not p.name.startswith(".")]
            if len(inside) != 1:
                what = "no .py or .ipynb file" if not inside else f"{len(inside)} .py/.ipynb files"
                unusable.append(f"{item.name}/: {what}; a student's folder must hold exactly one submission")
                continue
            found.setdefault(item.name, []).append(inside[0])
        elif item.is_file() and item.suffix.lower() in SUFFIXES:
            found.setdefault(item.stem, []).append(item)
    entries = []
    for student, paths in found.items():
        if len(paths) > 1:
            unusable.append(f"{student}: {len(paths)} submissions ({', '.join(p.name for p in paths)}); keep one")
        else:
            entries.append(Entry(student, paths[0]))
    return sorted(entries, key=lambda e: e.student), unusable


class Progress:
    """One line on ``stream``: done/total, rate and ETA; redrawn in place on a terminal, a line
    every few seconds elsewhere (a log)."""

    def __init__(self, total: int, stream=None, every: float = 5.0):
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every, self.last = every, 0.0

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = f"{int(left / rate) // 60}:{int(left / rate) % 60:02d}" if rate > 0 else "?"
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{rate:.2f} submissions/s, ETA {eta}")

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.terminal:
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif now - self.last >= self.every or self.done == self.total:
            self.last = now
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.terminal and self.total:
            self.stream.write("\n")
            self.stream.flush()


@dataclasses.dataclass
class Plan:
    """What a batch has to do, found from the gradebook alone (no TensorFlow, no zygote):
    ``todo`` ((entry, content hash) to grade), ``skipped`` (already graded with the same content
    and checks' version), ``unusable`` (entries that are no submission, with why), ``exercise``
    (the :class:`kit.grading.exercises.Exercise`) and ``version`` (the checks' version)."""

    exercise: object
    version: str
    todo: list
    skipped: int
    unusable: list


def plan(exercise, folder, db, regrade: bool = False, limits=None) -> Plan:
    """What ``grade_folder`` with the same arguments would grade, read from the folder and the
    gradebook only: a rerun with nothing to do is known before TensorFlow or a zygote starts.

    Example:
        >>> plan("04", "submissions/", "gradebook.sqlite").todo     # doctest: +SKIP
        []
    """
    from kit.grading import exercises
    from kit.grading.gradebook import Gradebook, checks_version, content_hash

    found = exercises.find(exercise)
    key = f"{found.id}-{found.slug}"
    entries, unusable = find_submissions(folder)
    version = checks_version(found, limits)
    todo, skipped = [], 0
    with Gradebook(db) as book:
        for entry in entries:
            digest = content_hash(entry.path)
            if not regrade and book.is_done(key, entry.student, digest, version):
                skipped += 1
            else:
                todo.append((entry, digest))
    return Plan(found, version, todo, skipped, unusable)


def grade_folder(exercise, folder, db, workers: int = 1, regrade: bool = False, limits=None,
                 require_isolation: bool = True, zygotes: list | None = None, progress=None,
                 scheduler=None) -> Summary:
    """Grade every submission in ``folder`` into the gradebook ``db`` with ``workers`` zygotes.

    Args:
        exercise: number or slug.
        folder: one file or folder per student (:func:`find_submissions`).
        db: the gradebook's path (created when missing; its folder must exist).
        workers: submissions graded at once, each in its own zygote (and, as root, its own
            sandbox user: :func:`kit.grading.sandbox.claim_sandbox_user`).
        regrade: grade even what the gradebook already holds for the same content and checks.
        limits: per-call limits (a :class:`kit.grading.Limits`; part of the checks' version).
        require_isolation: refuse (:class:`kit.grading.sandbox.IsolationRequired`) where the
            sandbox cannot isolate; what was graded before stays in the gradebook.
        zygotes: started zygotes to use instead of starting ``workers`` new ones (tests share one).
        progress: a stream for the progress line (default stderr; False: none).
        scheduler: a Dask scheduler's address (``tcp://host:8786``) or a connected
            ``distributed.Client``: grade on that cluster instead of local zygotes
            (:mod:`kit.grading.cluster`); ``workers`` and ``zygotes`` are then not used.

    Never stops for what a submission does; a grader failure on one submission (the zygote
    could not start) is listed in ``Summary.failed`` and not recorded, so a rerun retries it.
    With nothing to grade, neither TensorFlow nor a zygote nor a cluster connection is started.
    """
    from kit.grading.gradebook import Gradebook
    from kit.grading.sandbox import IsolationRequired

    check(workers, COUNT, "workers", "kit.grading.batch.grade_folder", "Use e.g. 2 on a 2-core machine.")
    started = time.monotonic()
    planned = plan(exercise, folder, db, regrade=regrade, limits=limits)
    summary = Summary(skipped=planned.skipped, unusable=planned.unusable)
    if not planned.todo:
        summary.seconds = time.monotonic() - started
        return summary
    if scheduler is not None:
        from kit.grading import cluster

        outcomes = cluster.grade_on_cluster(scheduler, planned, limits, require_isolation)
    else:
        outcomes = _grade_locally(planned, workers, limits, require_isolation, zygotes)
    book = Gradebook(db)
    bar = Progress(len(planned.todo), None if progress in (None, True) else progress) if progress is not False else None
    refused = None
    try:
        for kind, entry, digest, value in outcomes:
            if kind == "graded":
                book.record(entry.student, digest, planned.version, value)
                summary.graded += 1
            elif kind == "failed":
                summary.failed.append((entry.student, value))
            else:  # refused: the sandbox cannot isolate; stop here
                refused = value
                break
            if bar:
                bar.advance()
    finally:
        outcomes.close()  # stops the workers (or cancels what the cluster has left)
        if bar:
            bar.close()
        book.close()
        summary.seconds = time.monotonic() - started
    if refused is not None:
        raise refused if isinstance(refused, BaseException) else IsolationRequired(refused)
    return summary


def _grade_locally(planned: Plan, workers: int, limits, require_isolation: bool, zygotes):
    """``(kind, entry, digest, value)`` per submission as the local pool finishes it: ``graded``
    (a GradeResult), ``failed`` (why), ``refused`` (an IsolationRequired; the last one)."""
    from kit.grading import exercises
    from kit.grading.engine import grade_submission
    from kit.grading.sandbox import IsolationRequired, Zygote

    found, todo = planned.exercise, planned.todo
    checks = exercises.load_checks(found)
    jobs: queue.Queue = queue.Queue()
    for item in todo:
        jobs.put(item)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    owned = zygotes is None
    pool = list(zygotes) if zygotes is not None else [Zygote() for _ in range(min(workers, len(todo)))]

    def work(zygote) -> None:
        while not stop.is_set():
            try:
                entry, digest = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                result = grade_submission(found, entry.path, zygote=zygote, limits=limits, checks=checks,
                                          require_isolation=require_isolation)
            except IsolationRequired as refused:
                results.put(("refused", entry, digest, refused))
                stop.set()
                return
            except BaseException as error:  # the grader's own failure: say so, retry next run
                results.put(("failed", entry, digest, f"{type(error).__name__}: {error}"))
                if not isinstance(error, Exception):
                    return  # SystemExit, KeyboardInterrupt: this worker ends
            else:
                results.put(("graded", entry, digest, result))

    threads = [threading.Thread(target=work, args=(z,), daemon=True, name=f"grader-{i}")
               for i, z in enumerate(pool)]
    try:
        for thread in threads:
            thread.start()
        reported = set()
        for _ in range(len(todo)):
            while True:
                try:
                    outcome = results.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and results.empty():
                        outcome = None
                        break
            if outcome is None:  # every worker ended early: what is left is not graded, and says so
                for entry, digest in todo:
                    if entry.student not in reported:
                        yield "failed", entry, digest, "no grading worker was left to grade it"
                return
            reported.add(outcome[1].student)
            yield outcome
            if outcome[0] == "refused":
                return
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        if owned:
            for zygote in pool:
                zygote.close()
