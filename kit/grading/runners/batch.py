"""Grade a folder of submissions into a gradebook with a local pool of workers.

Each worker is a thread of this process with its own warm zygote (so N submissions run in N
sandboxes at once); the checks judge in this process, and this thread alone writes the
gradebook, one transaction per submission (:mod:`kit.grading.gradebook`). A submission's
faults (time limits, crashes, ``os._exit``) are its own grade's failures: the batch goes on.

A batch folder holds one entry per student: a file (``alice.py``, ``bob.ipynb``: the student is
the file's stem) or a folder holding exactly one ``.py`` or ``.ipynb`` (the student is the
folder's name). Entries starting with ``.`` or ``_`` are ignored.

The folder is read by descriptor, never through a link below it
(:class:`kit.grading.sandbox.submission.Folder`), once, while planning: each student's bytes are what
is hashed, graded and recorded. An entry that stands for a student but cannot be read as their
own file (a symbolic link, a FIFO, a device, a hard link, a file too large, no permission, a
folder that vanished) gets that student's grade of 0 with the one-line reason ("could not read
mallory.py: it is a symbolic link; submit the file itself"), and no sandbox; it is also listed,
with everything else the batch did not grade (a file that is not ``.py``/``.ipynb``, a folder
with no submission or several, two submissions of one student), in ``Summary.unusable`` ("left
out"), which the gradebook keeps (:meth:`kit.grading.gradebook.Gradebook.left_out`). Nothing
in a student's entry stops the batch.

Each entry's time (its file's modification time, or the time in its student folder's
``timestamp.txt``) is recorded with its grade; with a due date, a file changed after it is graded
as a late attempt beside the on-time grade (:mod:`kit.grading.instructor.deadlines`).

A batch holds the gradebook's lock (:func:`kit.grading.gradebook.batch_lock`) from its planning
to its last grade: a second batch on the same gradebook waits, then grades only what the first
did not.

Example:
    >>> summary = grade_folder("04", "submissions/", "gradebook.sqlite", workers=2)   # doctest: +SKIP
    >>> summary.graded, summary.skipped, summary.failed                              # doctest: +SKIP
    (40, 0, [])
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import queue
import stat
import sys
import threading
import time
from pathlib import Path

from kit.errors import COUNT, KitError, MissingFile, check

from kit.grading.sandbox.submission import SUFFIXES, Folder, Unreadable

__all__ = ["Entry", "Summary", "find_submissions", "Progress", "Plan", "plan", "waiting_note", "grade_folder"]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One student's submission: ``student``, ``path`` (where it lies, for reports), ``content``
    (its bytes, read once) or ``problem`` (why it could not be read: the student's grade is 0
    with this reason), ``submitted`` (when it was made: an aware datetime, None if unknown) and
    ``time_source`` (where that time came from: the file's time, or its folder's ``timestamp.txt``)."""

    student: str
    path: Path
    content: bytes | None = dataclasses.field(default=None, repr=False, compare=False)
    problem: str = ""
    submitted: datetime.datetime | None = dataclasses.field(default=None, compare=False)
    time_source: str = dataclasses.field(default="", compare=False)

    @property
    def submission(self):
        """The :class:`kit.grading.sandbox.submission.Submission` to grade (None for an unreadable entry)."""
        from kit.grading.sandbox.submission import Submission

        return None if self.content is None else Submission(self.path.name, self.content, str(self.path))


@dataclasses.dataclass
class Summary:
    """What a batch did: ``graded`` (this run, in the sandbox), ``skipped`` (already in the
    gradebook), ``unusable`` (what it left out, one line each: entries that are no submission,
    and entries that could not be read, which are recorded as that student's 0 with the reason),
    ``failed`` ((student, why) that the grader could not grade: retried by the next run)."""

    graded: int = 0
    skipped: int = 0
    unusable: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0


def _read(folder: Folder, name: str, student: str, shown: str, stamped: tuple | None = None) -> Entry:
    """The entry ``name``; its time is ``stamped`` ((time, source) from a ``timestamp.txt``) or the file's."""
    try:
        submission = folder.read(name, shown)
    except Unreadable as refused:
        return Entry(student, folder.path / name, problem=str(refused))
    if stamped is None or stamped[0] is None:
        modified = datetime.datetime.fromtimestamp(submission.modified, datetime.timezone.utc)
        source = "file time" if stamped is None else f"file time ({stamped[1]})"
        return Entry(student, folder.path / name, content=submission.data, submitted=modified, time_source=source)
    return Entry(student, folder.path / name, content=submission.data, submitted=stamped[0], time_source=stamped[1])


def _timestamp(inside: Folder, name: str, listed: list) -> tuple | None:
    """The submission time written in the student folder's ``timestamp.txt``, as ``(time, source)``;
    ``(None, why)`` when the file is there but says no time (the file's own time is used then);
    None when there is none."""
    from kit.grading.instructor.deadlines import TIMESTAMP_FILE, parse_timestamp

    if TIMESTAMP_FILE not in {n for n, _ in listed}:
        return None
    try:
        text = inside.read(TIMESTAMP_FILE, f"{name}/{TIMESTAMP_FILE}").data.decode("utf-8", "replace")
    except Unreadable as refused:
        return None, f"{TIMESTAMP_FILE} unreadable: {refused.why}"
    moment = parse_timestamp(text)
    if moment is None:
        return None, f"{TIMESTAMP_FILE} holds no time: {' '.join(text.split())[:40]!r}"
    return moment, TIMESTAMP_FILE


def _student_folder(root: Folder, name: str, left_out: list) -> Entry | None:
    """The one submission in the student folder ``name`` (an Entry with its problem if the folder
    or the file cannot be read), or None when it holds none or several (said in ``left_out``)."""
    try:
        inside = root.folder(name, f"{name}/")
    except Unreadable as refused:
        return Entry(name, root.path / name, problem=str(refused))
    with inside:
        try:
            listed = inside.entries()
        except Unreadable as refused:
            return Entry(name, root.path / name, problem=str(refused))
        candidates = [n for n, mode in listed if not n.startswith(".") and Path(n).suffix.lower() in SUFFIXES
                      and not (mode is not None and stat.S_ISDIR(mode))]
        if any(not _utf8(n) for n in candidates):
            left_out.append(f"{name}/: {', '.join(_shown(n) for n in candidates if not _utf8(n))}: a name that is "
                            "not UTF-8 text; rename it")
            return None
        if len(candidates) != 1:
            what = "no .py or .ipynb file" if not candidates else f"{len(candidates)} .py/.ipynb files"
            left_out.append(f"{name}/: {what}; a student's folder must hold exactly one submission")
            return None
        return _read(inside, candidates[0], name, f"{name}/{candidates[0]}", _timestamp(inside, name, listed))


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system gave as lone surrogates
        return False
    return True


def _shown(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def find_submissions(folder) -> tuple[list[Entry], list[str]]:
    """The submissions in ``folder`` by student name (each read, or with the reason it could not
    be), and what is left out, one line each (see the module docstring).

    Example:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "alice.py").write_text("")
        >>> (folder / "mallory.py").symlink_to("/etc/hostname")
        >>> entries, unusable = find_submissions(folder)
        >>> [(entry.student, entry.content, entry.problem) for entry in entries]
        [('alice', b'', ''), ('mallory', None, 'could not read mallory.py: it is a symbolic link; submit the file itself')]
        >>> unusable
        ["mallory.py: it is a symbolic link; submit the file itself (recorded as mallory's 0)"]
    """
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"The batch folder must be a str or Path. Got {folder!r} of type {type(folder).__name__}.")
    found: dict[str, list[Entry]] = {}
    unusable: list[str] = []
    try:
        root = Folder(folder)
    except Unreadable as refused:
        raise KitError(f"Cannot read the folder {str(folder)!r} ({refused.why}). Give a folder the grader can read.") \
            from None
    except KitError:
        raise MissingFile(f"No folder {str(folder)!r}. Give the folder holding one file (or one folder) per "
                          "student.") from None
    with root:
        try:
            listed = root.entries()
        except Unreadable as refused:
            raise KitError(f"Cannot read the folder {str(folder)!r} ({refused.why}). Give a folder the grader can "
                           "read.") from None
        for name, mode in listed:
            if name.startswith((".", "_")):
                continue
            if not _utf8(name):  # no student name to record it under
                unusable.append(f"{_shown(name)}: its name is not UTF-8 text; rename it")
                continue
            suffix = Path(name).suffix.lower()
            if mode is not None and stat.S_ISDIR(mode):
                entry = _student_folder(root, name, unusable)
            elif suffix in SUFFIXES or not suffix and not (mode is not None and stat.S_ISREG(mode)):
                # A submission's name, or something without a suffix standing where a student's
                # folder would (a link, a FIFO, a device, an entry gone or not readable).
                entry = _read(root, name, Path(name).stem if suffix in SUFFIXES else name, name)
            else:
                kind = "a file" if mode is not None and stat.S_ISREG(mode) else "not a file"
                unusable.append(f"{name}: {kind}, not a .py or .ipynb submission")
                continue
            if entry is not None:
                found.setdefault(entry.student, []).append(entry)
    entries = []
    for student, candidates in found.items():
        if len(candidates) > 1:
            unusable.append(f"{student}: {len(candidates)} submissions "
                            f"({', '.join(e.path.name for e in candidates)}); keep one")
            continue
        entry = candidates[0]
        entries.append(entry)
        if entry.problem:
            shown, _, why = entry.problem.removeprefix("could not read ").partition(": ")
            unusable.append(f"{shown}: {why} (recorded as {student}'s 0)")
    return sorted(entries, key=lambda e: e.student), sorted(unusable)


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
    (the :class:`kit.grading.authoring.exercises.Exercise`), ``version`` (the checks' version),
    ``attempts`` (student → :class:`kit.grading.instructor.deadlines.Attempt` of what is to
    grade: on time or late), ``deadline`` (the due date and late policy in force, or None) and
    ``unkept`` ((content hash, Submission) of skipped entries whose bytes the gradebook lacks)."""

    exercise: object
    version: str
    todo: list
    skipped: int
    unusable: list
    attempts: dict = dataclasses.field(default_factory=dict)
    deadline: object = None
    unkept: list = dataclasses.field(default_factory=list)


def plan(exercise, folder, db, regrade: bool = False, limits=None, note=None, due=None, late_policy=None) -> Plan:
    """What ``grade_folder`` with the same arguments would grade, read from the folder and the
    gradebook only: a rerun with nothing to do is known before TensorFlow or a zygote starts.

    Reads every entry once (:func:`find_submissions`), under the gradebook's lock
    (:func:`kit.grading.gradebook.batch_lock`; ``note`` is told, in one line, when it waits for
    another batch). A gradebook that is not one is refused before anything is written. With a
    due date (``due``, or the one the gradebook keeps for the exercise), each changed file is
    sorted into the on-time or the late attempt (:func:`kit.grading.instructor.deadlines.attempt_for`).

    Example:
        >>> plan("04", "submissions/", "gradebook.sqlite").todo     # doctest: +SKIP
        []
    """
    from kit.grading.authoring import exercises
    from kit.grading.gradebook import Gradebook, batch_lock, checks_version, content_hash
    from kit.grading.instructor.deadlines import attempt_for, deadline_in_force

    found = exercises.find(exercise)
    key = f"{found.id}-{found.slug}"
    entries, unusable = find_submissions(folder)
    version = checks_version(found, limits)
    todo, skipped, attempts, unkept = [], 0, {}, []
    now = datetime.datetime.now(datetime.timezone.utc)
    with batch_lock(db, note), Gradebook(db) as book:
        deadline = deadline_in_force(book, key, due, late_policy)
        for entry in entries:
            if entry.problem:  # the reason is the content: a changed reason is recorded again
                digest = hashlib.sha256(b"unreadable\0" + entry.problem.encode("utf-8", "replace")).hexdigest()
            else:
                digest = content_hash(entry.submission)
            submitted, source = (entry.submitted, entry.time_source) if entry.submitted is not None else \
                (now, "seen at grading (no file time)")
            attempt = attempt_for(digest, submitted, source, deadline.due if deadline else None,
                                  book.recorded(key, entry.student))
            if not regrade and book.is_done(key, entry.student, digest, version, attempt.late):
                skipped += 1
                if not entry.problem and book.source(digest) is None:
                    unkept.append((digest, entry.submission))
            else:
                todo.append((entry, digest))
                attempts[entry.student] = attempt
    return Plan(found, version, todo, skipped, unusable, attempts, deadline, unkept)


def waiting_note(progress):
    """Where :func:`grade_folder` says it waits for another batch: the progress stream (stderr by
    default), or nowhere with ``progress=False``."""
    if progress is False:
        return None
    stream = sys.stderr if progress in (None, True) else progress

    def note(line: str) -> None:
        print(f"kit grade-batch: {line}", file=stream, flush=True)

    return note


def grade_folder(exercise, folder, db, workers: int = 1, regrade: bool = False, limits=None,
                 require_isolation: bool = True, zygotes: list | None = None, progress=None,
                 scheduler=None, due=None, late_policy=None) -> Summary:
    """Grade every submission in ``folder`` into the gradebook ``db`` with ``workers`` zygotes.

    Args:
        exercise: number or slug.
        folder: one file or folder per student (:func:`find_submissions`).
        db: the gradebook's path (created when missing; its folder must exist).
        workers: submissions graded at once, each in its own zygote (and, as root, its own
            sandbox user: :func:`kit.grading.sandbox.zygote.claim_sandbox_user`).
        regrade: grade even what the gradebook already holds for the same content and checks.
        limits: per-call limits (a :class:`kit.grading.Limits`; part of the checks' version).
        require_isolation: refuse (:class:`kit.grading.sandbox.zygote.IsolationRequired`) where the
            sandbox cannot isolate; what was graded before stays in the gradebook.
        zygotes: started zygotes to use instead of starting ``workers`` new ones (tests share one).
        progress: a stream for the progress line and for the one line saying the batch waits for
            another one on the same gradebook (default stderr; False: neither).
        scheduler: a Dask scheduler's address (``tcp://host:8786``) or a connected
            ``distributed.Client``: grade on that cluster instead of local zygotes
            (:mod:`kit.grading.runners.cluster`); ``workers`` and ``zygotes`` are then not used.
        due: the due date (an aware datetime, or text such as ``"2026-12-20T23:59"``: see
            :func:`kit.grading.instructor.deadlines.parse_due`); kept in the gradebook for the
            exercise, so a later batch without it keeps it. Past it, a changed file is graded as
            a late attempt beside the on-time grade, never in its place.
        late_policy: what a late attempt counts for (``"refuse"``, the default; ``"penalty=10"``;
            ``"cap=50"``; :class:`kit.grading.instructor.deadlines.LatePolicy`), kept with the due
            date and applied when the gradebook is read.

    Never stops for what a submission does, nor for an entry it cannot read (that student's 0
    with the reason, and a line in ``Summary.unusable``); a grader failure on one submission (the
    zygote could not start) is listed in ``Summary.failed`` and not recorded, so a rerun retries
    it. With nothing to grade, neither TensorFlow nor a zygote nor a cluster connection is
    started. Holds the gradebook's lock throughout (:func:`kit.grading.gradebook.batch_lock`): a
    second batch on ``db`` waits for this one, then skips what this one graded.
    """
    from kit.grading.authoring import exercises
    from kit.grading.gradebook import batch_lock

    from kit.grading.instructor.deadlines import Deadline

    check(workers, COUNT, "workers", "kit.grading.runners.batch.grade_folder", "Use e.g. 2 on a 2-core machine.")
    exercises.find(exercise)  # an unknown exercise is refused before the gradebook is touched
    Deadline.given(due, late_policy)  # a wrong due date or policy too
    started = time.monotonic()
    with batch_lock(db, waiting_note(progress)):  # planning to the last grade: nothing graded twice
        return _grade_folder(exercise, folder, db, workers, regrade, limits, require_isolation, zygotes,
                             progress, scheduler, started, due, late_policy)


def _grade_folder(exercise, folder, db, workers, regrade, limits, require_isolation, zygotes, progress, scheduler,
                  started, due, late_policy) -> Summary:
    from kit.grading.authoring import exercises
    from kit.grading.runners.engine import unread_result
    from kit.grading.gradebook import Gradebook
    from kit.grading.sandbox.zygote import IsolationRequired

    planned = plan(exercise, folder, db, regrade=regrade, limits=limits, due=due, late_policy=late_policy)
    summary = Summary(skipped=planned.skipped, unusable=planned.unusable)
    key = f"{planned.exercise.id}-{planned.exercise.slug}"
    unread = [(entry, digest) for entry, digest in planned.todo if entry.problem]
    planned = dataclasses.replace(planned, todo=[(e, d) for e, d in planned.todo if not e.problem])
    with Gradebook(db) as book:
        book.record_left_out(key, planned.unusable)
        if planned.deadline is not None and (due is not None or late_policy is not None):
            planned.deadline.store(book, key)
        if planned.unkept:  # graded by an earlier kit, which kept no bytes: kept now, not regraded
            book.keep_sources(planned.unkept)
        if unread:  # each student's 0 with the reason; nothing of theirs runs
            checks = exercises.load_checks(planned.exercise)
            for entry, digest in unread:
                book.record(entry.student, digest, planned.version,
                            unread_result(planned.exercise, str(entry.path), entry.problem, checks),
                            planned.attempts[entry.student])
    if not planned.todo:
        summary.seconds = time.monotonic() - started
        return summary
    if scheduler is not None:
        from kit.grading.runners import cluster

        outcomes = cluster.grade_on_cluster(scheduler, planned, limits, require_isolation)
    else:
        outcomes = _grade_locally(planned, workers, limits, require_isolation, zygotes)
    book = Gradebook(db)
    bar = Progress(len(planned.todo), None if progress in (None, True) else progress) if progress is not False else None
    refused = None
    try:
        for kind, entry, digest, value in outcomes:
            if kind == "graded":
                book.record(entry.student, digest, planned.version, value, planned.attempts[entry.student],
                            entry.submission)
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
    from kit.grading.authoring import exercises
    from kit.grading.runners.engine import grade_submission
    from kit.grading.sandbox.zygote import IsolationRequired, Zygote

    found, todo = planned.exercise, planned.todo
    checks = exercises.load_checks(found)
    jobs: queue.Queue = queue.Queue()
    for item in todo:
        jobs.put(item)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    owned = zygotes is None
    pool = list(zygotes) if zygotes is not None else [Zygote(runtime=exercises.runtime(found))
                                                       for _ in range(min(workers, len(todo)))]

    def work(zygote) -> None:
        while not stop.is_set():
            try:
                entry, digest = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                result = grade_submission(found, entry.submission, zygote=zygote, limits=limits, checks=checks,
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
