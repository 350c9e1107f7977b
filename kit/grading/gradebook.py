"""The gradebook: a SQLite file holding one grade per exercise and student, written one
transaction per submission so that a batch killed at any moment loses nothing but the grade it
was computing, and grades nothing twice.

Each grade is keyed by exercise, student, the submission's content hash and the checks'
version (:func:`checks_version`): a rerun skips a student whose row has the same hash and
version, and regrades a changed file or changed checks. Every grading is also appended to the
``gradings`` log in the same transaction, which is how "graded exactly once" is checked.

Example:
    >>> book = Gradebook("gradebook.sqlite")                              # doctest: +SKIP
    >>> book.is_done("04-derivatives", "alice", content, version)         # doctest: +SKIP
    False
    >>> book.record("alice", content, version, result)                    # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import os
import sqlite3
from pathlib import Path

from kit.errors import CannotWrite, KitError, MissingFile, writing

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    exercise TEXT NOT NULL, student TEXT NOT NULL, content_hash TEXT NOT NULL, checks_version TEXT NOT NULL,
    submission TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, problem TEXT NOT NULL,
    isolated INTEGER NOT NULL, seconds REAL NOT NULL, graded_at TEXT NOT NULL, report TEXT NOT NULL,
    PRIMARY KEY (exercise, student));
CREATE TABLE IF NOT EXISTS check_results (
    exercise TEXT NOT NULL, student TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, visibility TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (exercise, student, name));
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, exercise TEXT NOT NULL, student TEXT NOT NULL,
    content_hash TEXT NOT NULL, checks_version TEXT NOT NULL, score REAL NOT NULL, graded_at TEXT NOT NULL);
"""


def content_hash(path) -> str:
    """SHA-256 of the submission's bytes and its suffix (a ``.py`` and an ``.ipynb`` with the same
    bytes are different submissions).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.py"; _ = p.write_text("x = 1\\n")
        >>> len(content_hash(p))
        64
    """
    path = Path(path)
    return hashlib.sha256(path.suffix.lower().encode() + b"\0" + path.read_bytes()).hexdigest()


def checks_version(exercise, limits=None) -> str:
    """A hash of what decides a grade besides the submission: the exercise's ``checks.py``, every
    ``.py`` file of the kit's grading code (``kit/grading``), and the per-call limits (a longer
    timeout can change a grade). Editing any of them makes a rerun regrade everything.

    Example:
        >>> checks_version("04") == checks_version("4")          # doctest: +SKIP
        True
    """
    from kit.grading import exercises

    found = exercises.find(exercise)
    digest = hashlib.sha256()
    digest.update(b"checks\0" + found.checks_path.read_bytes() + b"\0")
    grading = Path(__file__).resolve().parent
    for path in sorted(grading.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    # Numbers as floats: `--timeout 3` (3.0) and Limits(timeout=3) are the same limits.
    chosen = {key: None if value is None else float(value) for key, value in limits.as_dict().items()} \
        if limits is not None else None
    digest.update(json.dumps(chosen, sort_keys=True).encode())
    return digest.hexdigest()[:16]


WAIT_SECONDS = 30.0
"""How long to wait for another program's lock on the gradebook (``KIT_GRADEBOOK_WAIT`` overrides):
a batch holds the write lock for one submission's transaction, a few milliseconds."""


def wait_seconds() -> float:
    """``KIT_GRADEBOOK_WAIT`` (seconds, > 0) or :data:`WAIT_SECONDS`."""
    text = os.environ.get("KIT_GRADEBOOK_WAIT", "").strip()
    if not text:
        return WAIT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise KitError(f"The KIT_GRADEBOOK_WAIT environment variable must be a number of seconds > 0. Got {text!r} "
                       f"instead. Unset it for the default ({WAIT_SECONDS:g} s).")
    return value


def database_error(path, error: sqlite3.Error, waited: float) -> KitError:
    """SQLite's error on the gradebook ``path`` as one sentence that says what to do."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return KitError(f"The gradebook {str(path)!r} is locked by another program (still after {waited:g} s): "
                        "another kit grade-batch may be writing it. Wait for it to end (or raise KIT_GRADEBOOK_WAIT), "
                        "or give another --db.")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return CannotWrite(f"Cannot write the gradebook {str(path)!r} ({text}). Give a --db in a folder you can "
                           "write to.")
    if isinstance(error, sqlite3.OperationalError) and ("disk" in text or "I/O" in text or "full" in text):
        return CannotWrite(f"Cannot write the gradebook {str(path)!r} ({text}). Free some space or give another --db.")
    return KitError(f"{str(path)!r} is not a kit gradebook ({text}). Give the file `kit grade-batch … --db` wrote, or "
                    "a new file name.")


class Gradebook:
    """One SQLite gradebook file (created when missing, in a folder that exists; WAL mode).

    Every problem with the file (a missing or unwritable folder, a file that is not SQLite or not
    a gradebook, a lock another program holds past :func:`wait_seconds`) is a one-sentence
    :class:`kit.errors.KitError`. Not shared between threads: the batch's main thread alone
    writes it.
    """

    def __init__(self, path, create: bool = True):
        self.path = Path(path)
        self.waited = wait_seconds()
        if not create and not self.path.is_file():
            raise MissingFile(f"No gradebook {str(path)!r}. Give the file `kit grade-batch … --db` wrote.")
        if create:
            self._check_writable()
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=self.waited)
        except sqlite3.Error as error:
            raise database_error(path, error, self.waited) from None
        try:
            self.connection.execute("PRAGMA journal_mode=WAL")
            if create:
                self.connection.executescript(SCHEMA)
                self.connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                # Take the write lock once now: a gradebook another program holds is refused
                # before the batch grades anything, not after its first submission.
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.execute("ROLLBACK")
            tables = {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.Error as error:
            self.connection.close()
            raise database_error(path, error, self.waited) from None
        if not {"grades", "check_results", "gradings"} <= tables:
            self.connection.close()
            raise KitError(f"{str(path)!r} is an SQLite file but not a kit gradebook (no grades table). Give the "
                           "file `kit grade-batch … --db` wrote, or a new file name.")

    def _check_writable(self) -> None:
        if self.path.is_dir():
            raise KitError(f"The gradebook {str(self.path)!r} is a folder. Give a file name, e.g. gradebook.sqlite.")
        folder = self.path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise MissingFile(f"Cannot create the gradebook {str(self.path)!r}: its folder {str(folder)!r} {what}. "
                              "Create the folder first, or give another --db.")
        # SQLite writes the file and, in WAL mode, two files beside it (-wal, -shm).
        for target, what in ((folder, "its folder"), (self.path, "the file")):
            if target.exists() and not os.access(target, os.W_OK):
                raise CannotWrite(f"Cannot write the gradebook {str(self.path)!r}: {what} is not writable "
                                  "(a read-only file system or no permission). Give a --db in a folder you "
                                  "can write to.")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def is_done(self, exercise: str, student: str, content: str, version: str) -> bool:
        """Whether the student's grade for this exact content and checks' version is recorded."""
        row = self.connection.execute("SELECT content_hash, checks_version FROM grades WHERE exercise=? AND student=?",
                                      (exercise, student)).fetchone()
        return row == (content, version)

    def record(self, student: str, content: str, version: str, result) -> None:
        """Store ``result`` (a GradeResult) as the student's grade, replacing an older one, and log
        the grading: one transaction, so either all of it is in the file or none of it."""
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        exercise = result.exercise
        with writing(self.path, "the gradebook"):
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.execute("DELETE FROM check_results WHERE exercise=? AND student=?", (exercise, student))
                self.connection.execute(
                    "INSERT OR REPLACE INTO grades VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (exercise, student, content, version, result.submission, result.score, result.max_score,
                     result.problem, int(result.isolated), round(result.seconds, 3), now,
                     json.dumps(result.as_dict(timings=True))))
                self.connection.executemany(
                    "INSERT INTO check_results VALUES (?,?,?,?,?,?,?,?)",
                    [(exercise, student, i, c.name, c.score, c.max_score, c.visibility, c.message)
                     for i, c in enumerate(result.checks)])
                self.connection.execute(
                    "INSERT INTO gradings (exercise, student, content_hash, checks_version, score, graded_at) "
                    "VALUES (?,?,?,?,?,?)", (exercise, student, content, version, result.score, now))
                self.connection.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise database_error(self.path, error, self.waited) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            self.connection.execute("ROLLBACK")
        except sqlite3.Error:  # nothing to roll back: BEGIN itself failed
            pass

    def exercises(self) -> list[str]:
        return [row[0] for row in self.connection.execute("SELECT DISTINCT exercise FROM grades ORDER BY exercise")]

    def totals(self, exercise: str | None = None) -> list[tuple]:
        """``(exercise, student, score, max_score, problem)`` per graded student, by exercise then student."""
        query = "SELECT exercise, student, score, max_score, problem FROM grades"
        arguments = ()
        if exercise is not None:
            query, arguments = query + " WHERE exercise=?", (exercise,)
        return list(self.connection.execute(query + " ORDER BY exercise, student", arguments))

    def check_names(self, exercise: str) -> list[str]:
        """The exercise's check names, in the checks' order."""
        rows = self.connection.execute("SELECT name, MIN(position) FROM check_results WHERE exercise=? GROUP BY name "
                                       "ORDER BY MIN(position), name", (exercise,))
        return [name for name, _ in rows]

    def check_scores(self, exercise: str) -> dict:
        """``{(student, check): (score, max_score)}`` for one exercise."""
        rows = self.connection.execute("SELECT student, name, score, max_score FROM check_results WHERE exercise=?",
                                       (exercise,))
        return {(student, name): (score, maximum) for student, name, score, maximum in rows}

    def failing(self, exercise: str) -> list[tuple]:
        """``(check, students failing it, students graded, max points)`` per check, most failed first."""
        rows = self.connection.execute(
            "SELECT name, SUM(score < max_score), COUNT(*), MAX(max_score), MIN(position) FROM check_results "
            "WHERE exercise=? GROUP BY name ORDER BY SUM(score < max_score) DESC, MIN(position)", (exercise,))
        return [(name, failed, count, points) for name, failed, count, points, _ in rows]

    def write_csv(self, path) -> int:
        """One row per exercise and student: total, maximum, the problem (if the file could not be
        read or imported) and each check's points; returns the number of rows. UTF-8 with a BOM so
        that a spreadsheet opens accents correctly."""
        exercises = self.exercises()
        columns = [(exercise, name) for exercise in exercises for name in self.check_names(exercise)]
        prefix = len(exercises) > 1  # several exercises: name each check column by its exercise
        header = ["exercise", "student", "score", "max_score", "problem"] + [
            f"{exercise}:{name}" if prefix else name for exercise, name in columns]
        scores = {exercise: self.check_scores(exercise) for exercise in exercises}
        rows = self.totals()
        with writing(path, "the CSV"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                for exercise, student, score, maximum, problem in rows:
                    cells = [scores[exercise].get((student, name), (None, None))[0] if e == exercise else None
                             for e, name in columns]
                    writer.writerow([exercise, student, f"{score:g}", f"{maximum:g}", " ".join(problem.split())]
                                    + ["" if c is None else f"{c:g}" for c in cells])
        return len(rows)
