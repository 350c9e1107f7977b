"""The gradebook: a SQLite file holding one grade per exercise and student, written one
transaction per submission so that a batch killed at any moment loses nothing but the grade it
was computing, and grades nothing twice.

Each grade is keyed by exercise, student and attempt (on time, or late: see
:mod:`kit.grading.instructor.deadlines`) and holds the submission's content hash and the
checks' version (:func:`checks_version`): a rerun skips a student whose row has the same hash
and version, and regrades a changed file or changed checks. The bytes graded are kept
(``sources``, by content hash, when they read as source), for the similarity report and for
the record. Every grading is
also appended to the ``gradings`` log in the same transaction, which is how "graded exactly
once" is checked.

Only a kit gradebook is ever written: every gradebook carries the marker ``PRAGMA
application_id`` = :data:`APPLICATION_ID`, set when the file is created (in the file's header,
before it switches to WAL mode). An existing ``--db`` is looked at before anything is written
(:func:`inspect`: its first 100 bytes, read as a plain file): an empty file, a file that is not
SQLite and an SQLite database without the marker are refused in one line and left byte for byte
as they were (no table, no WAL switch, no ``-wal``/``-shm``/``.lock`` file beside it). A
gradebook an older kit wrote (no marker, the kit's tables; recognised read-only,
``immutable=1``), or one of an older :data:`SCHEMA_VERSION`, is migrated in one transaction when
the kit writes into it (a batch, a roster, an override), and read through a migrated copy in
memory by ``kit gradebook``, which leaves the file as it is. A new gradebook is built under a
temporary name beside it and linked into place, so no other program ever sees it half-made.

A batch holds :func:`batch_lock` (``flock`` on ``DB.lock`` beside the gradebook) from its
planning to its last grade, so two batches on one gradebook grade each submission once: the
second waits, saying so in one line, then finds what the first graded already done.

Example:
    >>> book = Gradebook("gradebook.sqlite")                              # doctest: +SKIP
    >>> book.is_done("04-derivatives", "alice", content, version)         # doctest: +SKIP
    False
    >>> book.record("alice", content, version, result)                    # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import importlib.metadata
import json
import os
import secrets
import sqlite3
import stat
import threading
import urllib.parse
from pathlib import Path

from kit import config
from kit.errors import CannotWrite, InvalidParameter, KitError, MissingFile, writing

__all__ = ["SCHEMA_VERSION", "APPLICATION_ID", "SQLITE_HEADER", "LOCK_SUFFIX", "KIT_TABLES", "GRADES",
           "CHECK_RESULTS", "SCHEMA", "V2_COLUMNS", "now_iso", "content_hash", "GRADED_SOURCES", "GRADED_LIBRARIES",
           "graded_files", "checks_version", "WAIT_SECONDS", "wait_seconds", "database_error", "NOT_OURS", "inspect",
           "lock_path", "batch_lock", "Gradebook"]

SCHEMA_VERSION = 3
"""2: the application_id marker and the left_out table. 3: two attempts per student (``late``: the
on-time grade and the latest late one, with their submission times), the submissions' bytes
(``sources``), due dates and late policies (``deadlines``), the class ``roster`` and the
instructor's ``overrides``. An older gradebook is migrated when the kit writes into it
(:meth:`Gradebook._migrate`, one transaction), and read through a migrated copy in memory when
it is only read."""
APPLICATION_ID = 0x4B697447
"""``PRAGMA application_id`` of a kit gradebook ("KitG"; bytes 68-71 of an SQLite file's header)."""
SQLITE_HEADER = b"SQLite format 3\x00"
LOCK_SUFFIX = ".lock"
KIT_TABLES = {"grades", "check_results", "gradings"}

GRADES = """CREATE TABLE IF NOT EXISTS grades (
    exercise TEXT NOT NULL, student TEXT NOT NULL, content_hash TEXT NOT NULL, checks_version TEXT NOT NULL,
    submission TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, problem TEXT NOT NULL,
    isolated INTEGER NOT NULL, seconds REAL NOT NULL, graded_at TEXT NOT NULL, report TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0, submitted_at TEXT NOT NULL DEFAULT '', time_source TEXT NOT NULL DEFAULT '',
    late_because TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (exercise, student, late))"""
CHECK_RESULTS = """CREATE TABLE IF NOT EXISTS check_results (
    exercise TEXT NOT NULL, student TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, visibility TEXT NOT NULL, message TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (exercise, student, late, name))"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{GRADES};
{CHECK_RESULTS};
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, exercise TEXT NOT NULL, student TEXT NOT NULL,
    content_hash TEXT NOT NULL, checks_version TEXT NOT NULL, score REAL NOT NULL, graded_at TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0, submitted_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS left_out (
    exercise TEXT NOT NULL, position INTEGER NOT NULL, entry TEXT NOT NULL, noted_at TEXT NOT NULL,
    PRIMARY KEY (exercise, position));
CREATE TABLE IF NOT EXISTS sources (content_hash TEXT PRIMARY KEY, name TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS deadlines (
    exercise TEXT PRIMARY KEY, due TEXT NOT NULL, policy TEXT NOT NULL, set_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roster (
    position INTEGER NOT NULL, id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
    submission TEXT NOT NULL UNIQUE, section TEXT NOT NULL, login TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overrides (
    exercise TEXT NOT NULL, student TEXT NOT NULL, check_name TEXT NOT NULL, points REAL NOT NULL,
    reason TEXT NOT NULL, made_at TEXT NOT NULL,
    PRIMARY KEY (exercise, student, check_name));
"""
# The columns version 2 had, in its order: what a migration copies into the rebuilt tables.
V2_COLUMNS = {
    "grades": "exercise, student, content_hash, checks_version, submission, score, max_score, problem, isolated, "
              "seconds, graded_at, report",
    "check_results": "exercise, student, position, name, score, max_score, visibility, message",
}


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def content_hash(path) -> str:
    """SHA-256 of the submission's bytes and its suffix (a ``.py`` and an ``.ipynb`` with the same
    bytes are different submissions). ``path``: a :class:`kit.grading.sandbox.submission.Submission`, or
    a file's path (read with :func:`kit.grading.sandbox.submission.read_submission`).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.py"; _ = p.write_text("x = 1\\n")
        >>> len(content_hash(p))
        64
    """
    from kit.grading.sandbox.submission import Submission, read_submission

    submission = path if isinstance(path, Submission) else read_submission(path)
    suffix = Path(submission.name).suffix.lower()
    return hashlib.sha256(suffix.encode() + b"\0" + submission.data).hexdigest()


GRADED_SOURCES = ("grading/sandbox", "grading/authoring", "grading/runners", "training", "activations.py",
                  "builders.py", "datasets.py", "heads.py", "diagnostics.py", "playground.py", "errors.py")
"""What a grade depends on in the ``kit`` package besides an exercise's checks: the sandbox, the checks'
API and the runners, and what checks train and judge with. Not the gradebook, the instructor's views,
the release, the CLI or the pictures: they decide no grade."""
GRADED_LIBRARIES = ("numpy", "tensorflow", "keras")
"""Libraries whose version can move a grade (a model trained with another Keras can land elsewhere)."""


def graded_files(package: Path | None = None) -> list[Path]:
    """Every ``.py`` file of :data:`GRADED_SOURCES` below ``package`` (the ``kit`` package's folder)."""
    from kit.paths import PACKAGE

    package = PACKAGE if package is None else Path(package)
    found = []
    for name in GRADED_SOURCES:
        path = package / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def checks_version(exercise, limits=None, package: Path | None = None) -> str:
    """A hash of what decides a grade besides the submission: the exercise's ``checks.py``, the kit's
    code a grade depends on (:data:`GRADED_SOURCES`), the versions of :data:`GRADED_LIBRARIES` and the
    per-call limits (a longer timeout can change a grade). Changing any of them makes a rerun regrade
    everything.

    Example:
        >>> checks_version("04") == checks_version("4")          # doctest: +SKIP
        True
    """
    from kit.grading.authoring import exercises

    found = exercises.find(exercise)
    digest = hashlib.sha256()
    digest.update(b"checks\0" + found.checks_path.read_bytes() + b"\0")
    from kit.paths import PACKAGE

    root = PACKAGE if package is None else Path(package)
    for path in graded_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for library in GRADED_LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library}=={version}\0".encode())
    # Numbers as floats: `--timeout 3` (3.0) and Limits(timeout=3) are the same limits.
    chosen = {key: None if value is None else float(value) for key, value in limits.as_dict().items()} \
        if limits is not None else None
    digest.update(json.dumps(chosen, sort_keys=True).encode())
    return digest.hexdigest()[:16]


WAIT_SECONDS = config.default("KIT_GRADEBOOK_WAIT")
"""How long to wait for another program's lock on the gradebook (``KIT_GRADEBOOK_WAIT`` overrides):
a batch holds the write lock for one submission's transaction, a few milliseconds."""


def wait_seconds() -> float:
    """``KIT_GRADEBOOK_WAIT`` (seconds, > 0) or :data:`WAIT_SECONDS`."""
    return config.read("KIT_GRADEBOOK_WAIT")


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


NOT_OURS = "Give the file `kit grade-batch … --db` wrote, or a new file name; the kit writes nothing into it."


def inspect(path) -> str:
    """What the gradebook path ``path`` holds, found without writing anything: ``"new"`` (nothing
    there yet), ``"gradebook"`` (a kit gradebook: its header carries :data:`APPLICATION_ID`) or
    ``"legacy"`` (a gradebook an older kit wrote: no marker, the kit's tables). Anything else is
    a one-line :class:`kit.errors.KitError` (a folder, an empty file, a file that is not SQLite, an
    SQLite database of another program), and the file is left exactly as it was: its header is
    read as a plain file, and only an SQLite file without any marker is opened, read-only and
    ``immutable`` (SQLite then takes no lock and creates no ``-wal``/``-shm`` file).

    Example:
        >>> import pathlib, tempfile
        >>> inspect(pathlib.Path(tempfile.mkdtemp()) / "gradebook.sqlite")
        'new'
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameter(f"The gradebook must be a file's path (str or Path). Got {path!r} of type "
                               f"{type(path).__name__} instead.", "path", "kit.grading.gradebook.inspect")
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "new"
    except OSError as error:
        raise KitError(f"Cannot use the gradebook {str(path)!r} ({error.strerror or error}). Give another --db.") from None
    if stat.S_ISDIR(info.st_mode):
        raise KitError(f"The gradebook {str(path)!r} is a folder. Give a file name, e.g. gradebook.sqlite.")
    if not stat.S_ISREG(info.st_mode):
        raise KitError(f"{str(path)!r} is not a kit gradebook (not a regular file). {NOT_OURS}")
    if info.st_size == 0:
        raise KitError(f"{str(path)!r} is not a kit gradebook (an empty file). Remove it if it is yours, or {NOT_OURS[0].lower()}"
                       f"{NOT_OURS[1:]}")
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise KitError(f"Cannot read the gradebook {str(path)!r} ({error.strerror or error}). Give a --db you can "
                       "read and write.") from None
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise KitError(f"{str(path)!r} is not a kit gradebook (file is not a database). {NOT_OURS}")
    marker = int.from_bytes(header[68:72], "big")
    if marker == APPLICATION_ID:
        return "gradebook"
    if marker != 0:
        raise KitError(f"{str(path)!r} is not a kit gradebook (an SQLite database of another program: its "
                       f"application_id is {marker:#x}). {NOT_OURS}")
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            legacy = KIT_TABLES | {"meta"} <= tables and connection.execute(
                "SELECT 1 FROM meta WHERE key='schema'").fetchone() is not None
        finally:
            connection.close()
    except sqlite3.Error:
        legacy = False
    if not legacy:
        raise KitError(f"{str(path)!r} is not a kit gradebook (an SQLite database without the kit's gradebook "
                       f"marker). {NOT_OURS}")
    return "legacy"


def _create(path: Path) -> None:
    """Make a new, empty gradebook at ``path`` (marker, tables, WAL mode) under a temporary name
    beside it, then link it into place: other programs see no file or a whole gradebook. When
    another program created one there first, theirs stays (and is inspected by the caller)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.new")
    try:
        try:
            connection = sqlite3.connect(temporary, isolation_level=None)
            try:
                # In rollback-journal mode each statement goes straight into the file: the marker
                # is in the header from the start, where inspect() reads it.
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                connection.executescript(SCHEMA)
                connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                connection.execute("PRAGMA journal_mode=WAL")
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise database_error(path, error, 0.0) from None
        with writing(path, "the gradebook"):
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: rename, unless one appeared meanwhile
                if not os.path.lexists(path):
                    os.rename(temporary, path)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{temporary}{suffix}")


def lock_path(path) -> Path:
    """The lock file of the gradebook ``path``: beside the file it names (links resolved, so that
    two names of one gradebook share one lock), ``gradebook.sqlite.lock``."""
    return Path(os.path.realpath(path) + LOCK_SUFFIX)


_held: dict = {}  # (lock file, thread) -> [descriptor, depth]: a thread that holds the lock re-enters it
_held_guard = threading.Lock()


@contextlib.contextmanager
def batch_lock(path, note=None):
    """Hold the gradebook ``path``'s batch lock: ``flock`` on :func:`lock_path` (created once,
    left beside the gradebook; it holds the last holder's process id). Another process (or
    thread) holding it makes this wait until it ends, after ``note("waiting for …")`` once
    (``note`` a callable taking one line, or None). Re-entered by the thread that holds it.

    The gradebook is inspected (:func:`inspect`) and its folder checked first, so a file that is
    no gradebook gets no lock file beside it. A batch takes it from its planning to its last
    grade (:func:`kit.grading.runners.batch.grade_folder`, on the local pool and on a Dask cluster
    alike), so no two batches grade one submission twice.

    Example:
        >>> with batch_lock("gradebook.sqlite"):                     # doctest: +SKIP
        ...     ...
    """
    lock = lock_path(path)
    key = (str(lock), threading.get_ident())
    with _held_guard:
        if key in _held:
            _held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key][1] -= 1
        return
    _check_writable(Path(path))
    inspect(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise CannotWrite(f"Cannot write the gradebook {str(path)!r} ({error.strerror or error}: its lock file "
                          f"{str(lock)!r}). Give a --db in a folder you can write to.") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            if note is not None:
                who = f"process {holder}" if holder.isdigit() else "another process"
                note(f"waiting for another kit grade-batch ({who}) to finish with the gradebook {str(path)!r} "
                     f"(it holds {lock}); Ctrl-C stops waiting")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as error:  # a file system without locks (some network ones)
            raise KitError(f"Cannot lock the gradebook {str(path)!r} ({error.strerror or error}, on {str(lock)!r}): "
                           "two batches could grade a submission twice there. Give a --db on a local disk.") from None
        with contextlib.suppress(OSError):  # who holds it, for the next one's note
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with _held_guard:
            _held[key] = [fd, 1]
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
    finally:
        os.close(fd)  # releases the lock


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise KitError(f"The gradebook {str(path)!r} is a folder. Give a file name, e.g. gradebook.sqlite.")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise MissingFile(f"Cannot create the gradebook {str(path)!r}: its folder {str(folder)!r} {what}. "
                          "Create the folder first, or give another --db.")
    # SQLite writes the file and, in WAL mode, two files beside it (-wal, -shm).
    for target, what in ((folder, "its folder"), (path, "the file")):
        if target.exists() and not os.access(target, os.W_OK):
            raise CannotWrite(f"Cannot write the gradebook {str(path)!r}: {what} is not writable "
                              "(a read-only file system or no permission). Give a --db in a folder you "
                              "can write to.")


class Gradebook:
    """One SQLite gradebook file (created when missing, in a folder that exists; WAL mode).

    Every problem with the file (a missing or unwritable folder, a file that is not SQLite or not
    a gradebook, a lock another program holds past :func:`wait_seconds`) is a one-sentence
    :class:`kit.errors.KitError`, raised before anything is written (:func:`inspect`).

    ``create`` (a batch): made when missing, migrated to :data:`SCHEMA_VERSION` if older.
    ``write`` (default: ``create``; ``kit gradebook --roster``, ``override``): an existing
    gradebook, migrated if older. Neither (``kit gradebook`` reading): nothing is ever written;
    an older gradebook is read through a migrated copy in memory. A gradebook of a newer kit is
    refused in one line. Not shared between threads: the batch's main thread alone writes it.
    """

    def __init__(self, path, create: bool = True, write: bool | None = None):
        self.path = Path(path)
        self.waited = wait_seconds()
        write = create if write is None else write
        if write:
            _check_writable(self.path)
        kind = inspect(self.path)
        if kind == "new":
            if not create:
                raise MissingFile(f"No gradebook {str(path)!r}. Give the file `kit grade-batch … --db` wrote.")
            _create(self.path)
            kind = inspect(self.path)  # ours, or one another batch created at the same moment
        try:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=self.waited)
        except sqlite3.Error as error:
            raise database_error(path, error, self.waited) from None
        try:
            tables = self._tables()
            if not KIT_TABLES <= tables:
                raise KitError(f"{str(path)!r} is an SQLite file but not a kit gradebook (no grades table). "
                               f"{NOT_OURS}")
            version = self._version()
            if version > SCHEMA_VERSION:
                raise KitError(f"The gradebook {str(path)!r} was written by a newer kit (gradebook version {version}; "
                               f"this kit reads up to {SCHEMA_VERSION}). Use that kit, or give another --db.")
            if write:
                if kind == "legacy" or version < SCHEMA_VERSION:
                    self._migrate()
                # Take the write lock once now: a gradebook another program holds is refused
                # before the batch grades anything, not after its first submission.
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.execute("ROLLBACK")
            elif version < SCHEMA_VERSION:
                self._read_migrated_copy()
        except sqlite3.Error as error:
            self.connection.close()
            raise database_error(path, error, self.waited) from None
        except BaseException:
            self.connection.close()
            raise

    def _tables(self) -> set:
        return {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _version(self) -> int:
        if "meta" not in self._tables():
            return 1
        row = self.connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        try:
            return int(row[0]) if row else 1
        except ValueError:
            return 1

    def _migrate(self) -> None:
        """Bring a gradebook an older kit wrote to :data:`SCHEMA_VERSION` in one transaction (a
        crash leaves it as it was): the marker, the tables added since, and ``grades`` and
        ``check_results`` rebuilt with the ``late`` column in their keys (every grade so far is
        the on-time one); then checkpoint, so that the marker is in the file's header."""
        with self.transaction():
            if self._version() < SCHEMA_VERSION:  # another program may have migrated it meanwhile
                _migrate_tables(self.connection)
                self.connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _read_migrated_copy(self) -> None:
        """Read an older gradebook as this kit's: copy it into memory and migrate the copy; the
        file itself is not written."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        self.connection.backup(memory)
        self.connection.close()
        self.connection = memory
        with self.transaction():
            _migrate_tables(memory)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def recorded(self, exercise: str, student: str) -> dict:
        """The student's recorded attempts: ``{late (bool): row}``, each row a dict of
        ``content_hash, checks_version, graded_at, submitted_at, time_source, late_because``."""
        rows = self.connection.execute(
            "SELECT late, content_hash, checks_version, graded_at, submitted_at, time_source, late_because "
            "FROM grades WHERE exercise=? AND student=?", (exercise, student))
        names = ("content_hash", "checks_version", "graded_at", "submitted_at", "time_source", "late_because")
        return {bool(row[0]): dict(zip(names, row[1:])) for row in rows}

    def is_done(self, exercise: str, student: str, content: str, version: str, late: bool = False) -> bool:
        """Whether the student's grade (on time, or ``late``) for this exact content and checks' version is recorded."""
        row = self.recorded(exercise, student).get(bool(late))
        return row is not None and (row["content_hash"], row["checks_version"]) == (content, version)

    def record(self, student: str, content: str, version: str, result, attempt=None, source=None) -> None:
        """Store ``result`` (a GradeResult) as the student's grade for ``attempt`` (a
        :class:`kit.grading.instructor.deadlines.Attempt`; default: on time, time unknown),
        replacing an older grade of that attempt only, keep ``source`` (the Submission graded, by
        its content hash, when it reads as source) and log the grading: one transaction, so either
        all of it is in the file or none of it."""
        from kit.grading.instructor.deadlines import Attempt

        attempt = attempt if attempt is not None else Attempt()
        now, exercise, late = now_iso(), result.exercise, int(attempt.late)
        with self.transaction():
            self.connection.execute("DELETE FROM check_results WHERE exercise=? AND student=? AND late=?",
                                    (exercise, student, late))
            self.connection.execute(
                "INSERT OR REPLACE INTO grades (exercise, student, content_hash, checks_version, submission, score, "
                "max_score, problem, isolated, seconds, graded_at, report, late, submitted_at, time_source, "
                "late_because) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (exercise, student, content, version, result.submission, result.score, result.max_score,
                 result.problem, int(result.isolated), round(result.seconds, 3), now,
                 json.dumps(result.as_dict(timings=True)), late, attempt.submitted_at, attempt.time_source,
                 attempt.late_because))
            self.connection.executemany(
                "INSERT INTO check_results (exercise, student, position, name, score, max_score, visibility, message, "
                "late) VALUES (?,?,?,?,?,?,?,?,?)",
                [(exercise, student, i, c.name, c.score, c.max_score, c.visibility, c.message, late)
                 for i, c in enumerate(result.checks)])
            self.connection.execute(
                "INSERT INTO gradings (exercise, student, content_hash, checks_version, score, graded_at, late, "
                "submitted_at) VALUES (?,?,?,?,?,?,?,?)",
                (exercise, student, content, version, result.score, now, late, attempt.submitted_at))
            if source is not None:
                self._keep_source(content, source)

    def keep_sources(self, kept: list) -> None:
        """Keep the bytes of submissions graded before the gradebook kept them: ``[(content hash,
        Submission), …]``; those it holds already are left alone. One transaction."""
        with self.transaction():
            for content, source in kept:
                self._keep_source(content, source)

    def _keep_source(self, content: str, source) -> None:
        """Keep a submission's bytes when they read as source (UTF-8 Python, a notebook): a file
        that does not (graded 0 for it) has nothing to compare, and its bytes are not echoed."""
        from kit.grading.sandbox.submission import SubmissionError, source_of

        try:
            source_of(source)
        except SubmissionError:
            return
        self.connection.execute("INSERT OR IGNORE INTO sources VALUES (?,?,?)", (content, source.name, source.data))

    def source(self, content: str):
        """``(file name, bytes)`` of the submission with this content hash, or None."""
        return self.connection.execute("SELECT name, data FROM sources WHERE content_hash=?", (content,)).fetchone()

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction: all of the block's statements are in the file, or none; SQLite's
        refusal is a one-line KitError."""
        with writing(self.path, "the gradebook"):
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                yield
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

    def record_left_out(self, exercise: str, entries: list[str]) -> None:
        """Store what the last batch of ``exercise`` left out (one line each: the entry and why),
        replacing what an earlier batch of it left out; one transaction."""
        if not isinstance(entries, (list, tuple)) or not all(isinstance(e, str) for e in entries):
            raise TypeError(f"entries must be a list of str (one line per entry left out). Got {entries!r} instead.")
        now = now_iso()
        with self.transaction():
            self.connection.execute("DELETE FROM left_out WHERE exercise=?", (exercise,))
            self.connection.executemany("INSERT INTO left_out VALUES (?,?,?,?)",
                                        [(exercise, i, line, now) for i, line in enumerate(entries)])

    def left_out(self, exercise: str) -> list[str]:
        """What the last batch of ``exercise`` left out, one line each."""
        return [row[0] for row in self.connection.execute(
            "SELECT entry FROM left_out WHERE exercise=? ORDER BY position", (exercise,))]

    def exercises(self) -> list[str]:
        """The exercises with a grade, entries left out or a due date, in order."""
        query = "SELECT exercise FROM grades UNION SELECT exercise FROM left_out UNION SELECT exercise FROM deadlines"
        return sorted({row[0] for row in self.connection.execute(query)})

    def totals(self, exercise: str | None = None, late: bool = False) -> list[tuple]:
        """``(exercise, student, score, max_score, problem)`` per student with an on-time (or
        ``late``) grade, by exercise then student: the autograder's totals, before overrides and
        the late policy (:mod:`kit.grading.instructor.standing` applies those)."""
        query, arguments = "SELECT exercise, student, score, max_score, problem FROM grades WHERE late=?", [int(late)]
        if exercise is not None:
            query, arguments = query + " AND exercise=?", arguments + [exercise]
        return list(self.connection.execute(query + " ORDER BY exercise, student", arguments))

    def check_names(self, exercise: str) -> list[str]:
        """The exercise's check names, in the checks' order."""
        rows = self.connection.execute("SELECT name, MIN(position) FROM check_results WHERE exercise=? GROUP BY name "
                                       "ORDER BY MIN(position), name", (exercise,))
        return [name for name, _ in rows]

    def check_scores(self, exercise: str, late: bool = False) -> dict:
        """``{(student, check): (score, max_score)}`` for one exercise's on-time (or ``late``) grades."""
        rows = self.connection.execute("SELECT student, name, score, max_score FROM check_results WHERE exercise=? "
                                       "AND late=?", (exercise, int(late)))
        return {(student, name): (score, maximum) for student, name, score, maximum in rows}

    def failing(self, exercise: str) -> list[tuple]:
        """``(check, students failing it, students graded, max points)`` per check, most failed
        first, each student's latest attempt counted (the late one where there is one)."""
        rows = self.connection.execute(
            "SELECT name, SUM(score < max_score), COUNT(*), MAX(max_score), MIN(position) FROM check_results AS c "
            "WHERE exercise=? AND late=(SELECT MAX(late) FROM grades AS g WHERE g.exercise=c.exercise "
            "AND g.student=c.student) GROUP BY name ORDER BY SUM(score < max_score) DESC, MIN(position)", (exercise,))
        return [(name, failed, count, points) for name, failed, count, points, _ in rows]


def _migrate_tables(connection) -> None:
    """The statements of a migration to :data:`SCHEMA_VERSION`, inside the caller's transaction."""
    for table, statement in (("grades", GRADES), ("check_results", CHECK_RESULTS)):
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if "late" not in columns:
            connection.execute(f"ALTER TABLE {table} RENAME TO {table}_v2")
            connection.execute(statement)
            connection.execute(f"INSERT INTO {table} ({V2_COLUMNS[table]}) SELECT {V2_COLUMNS[table]} FROM {table}_v2")
            connection.execute(f"DROP TABLE {table}_v2")
    columns = {row[1] for row in connection.execute("PRAGMA table_info(gradings)")}
    for column in ("late INTEGER NOT NULL DEFAULT 0", "submitted_at TEXT NOT NULL DEFAULT ''"):
        if column.split()[0] not in columns:
            connection.execute(f"ALTER TABLE gradings ADD COLUMN {column}")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
