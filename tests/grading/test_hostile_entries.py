"""Hostile entries in a class folder and hostile gradebooks: nothing is read through a link or from
anything but a student's own regular file, nothing leaks into any report or the gradebook, the
batch finishes and lists what it left out, a file that is no kit gradebook is left byte for byte
as it was, and two batches on one gradebook grade each submission once.

Most cases share one batch over one messy class folder (a module fixture on the session's
zygote): only two of its students reach the sandbox."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import assert_gradescope_schema

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "exercises" / "04-derivatives" / "solution.py").read_text()
SECRET = "root:SECRET-7f3a9c:19000:0:99999:7:::"
ENVIRONMENT = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
               "KIT_CHECK_SERVER": "0"}


@contextlib.contextmanager
def _deadline(seconds: int, what: str):
    """Fail (instead of hanging the suite) if the block takes longer than ``seconds``."""
    def expired(signum, frame):
        raise TimeoutError(f"{what} took more than {seconds} s (a FIFO opened for reading blocks forever)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _secret_file(folder: Path, name: str = "shadow") -> Path:
    path = folder / name
    path.write_text(SECRET + "\n")
    os.chmod(path, 0o600)  # root's only
    return path


# What each student of the messy class must be told (the reason after "could not read ENTRY: ").
REFUSED = {
    "mallory": ("mallory.py", "it is a symbolic link; submit the file itself"),
    "eve": ("eve.py", "it is a symbolic link; submit the file itself"),
    "frank": ("frank/attempt.py", "it is a symbolic link; submit the file itself"),
    "carol": ("carol", "it is a symbolic link; submit the file itself"),
    "fifo": ("fifo.py", "it is a named pipe (FIFO), not a file; submit the file itself"),
    "zero": ("zero.py", "it is a symbolic link; submit the file itself"),
    "dangling": ("dangling.py", "it is a symbolic link; submit the file itself"),
    "hardy": ("hardy.py", "it has 2 names (hard links), so it may be another file; submit a copy of the file itself"),
    "big": ("big.py", "it is 2000001 bytes; submissions are limited to 2000000"),
    "locked": ("locked.py", "permission denied (the grader's user may not read it)"),
    "vanishing": ("vanishing/", "it no longer exists (it was removed while it was being read)"),
}


@pytest.fixture(scope="module")
def messy(tmp_path_factory, zygote):
    """One batch over a class folder holding every hostile entry (see REFUSED), graded once."""
    from kit.grading.runners.batch import grade_folder
    from kit.grading.sandbox.submission import MAX_BYTES

    base = tmp_path_factory.mktemp("messy")
    outside = base / "outside"
    outside.mkdir()
    secret = _secret_file(outside)
    (outside / "attempt.py").write_text(f"# {SECRET}\n")
    folder = base / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(SOLUTION)
    os.chmod(folder / "alice.py", 0o600)  # as a class unpacked with umask 077: root's own, and graded
    (folder / "binary.py").write_bytes(b"\xff\xfe not UTF-8 " + SECRET.encode())
    (folder / "mallory.py").symlink_to(secret)                     # a root-only file
    (folder / "eve.py").symlink_to("alice.py")                     # another student's file
    (folder / "frank").mkdir()
    (folder / "frank" / "attempt.py").symlink_to("../alice.py")    # a link inside a student's folder
    (folder / "carol").symlink_to(outside)                         # a linked student folder
    os.mkfifo(folder / "fifo.py")
    (folder / "zero.py").symlink_to("/dev/zero")
    (folder / "dangling.py").symlink_to(base / "nowhere.py")
    os.link(secret, folder / "hardy.py")                           # the secret's second name
    (folder / "big.py").write_text("#" * (MAX_BYTES + 1))
    (folder / "locked.py").write_text(SOLUTION)
    (folder / "vanishing").mkdir()
    (folder / "vanishing" / "attempt.py").write_text(SOLUTION)
    (folder / "notes.txt").write_text("not a submission")
    (folder / os.fsdecode(b"\xff.py")).write_text(SOLUTION)  # a name no gradebook row can hold
    refused = dict(REFUSED)
    try:  # a real device node (root with CAP_MKNOD): the numbers of /dev/zero
        os.mknod(folder / "node.py", stat.S_IFCHR | 0o644, os.makedev(1, 5))
        refused["node"] = ("node.py", "it is a device, not a file; submit the file itself")
    except OSError:
        pass
    real_open = os.open

    def failing_open(path, flags, mode=0o777, *, dir_fd=None):
        # As root, permission bits stop nothing: the read of locked.py fails as it does for a
        # grader that is not root (test_unreadable_entries_as_a_plain_user shows the real one),
        # and the folder vanishing/ is removed just before it is opened.
        if path == "locked.py" and dir_fd is not None:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        if path == "vanishing" and dir_fd is not None:
            shutil.rmtree(folder / "vanishing")
        return real_open(path, flags, mode, dir_fd=dir_fd)

    db = base / "gradebook.sqlite"
    with pytest.MonkeyPatch.context() as patch, _deadline(600, "the messy batch"):
        patch.setattr(os, "open", failing_open)
        summary = grade_folder("04", folder, db, zygotes=[zygote], limits=TEST_LIMITS, progress=False)
    return {"summary": summary, "db": db, "folder": folder, "refused": refused, "secret": secret}


def _rows(db) -> dict:
    with sqlite3.connect(db) as connection:
        return {student: (score, maximum, problem, json.loads(report)) for student, score, maximum, problem, report
                in connection.execute("SELECT student, score, max_score, problem, report FROM grades")}


def test_every_hostile_entry_is_its_students_zero_with_one_line(messy):
    summary, rows = messy["summary"], _rows(messy["db"])
    assert summary.failed == [] and summary.graded == 2  # alice and binary.py reached the sandbox
    assert rows["alice"][:3] == (100.0, 100.0, "")  # a root-only 0600 file is not refused for its mode
    assert rows["binary"][0] == 0 and rows["binary"][2].startswith("could not read binary.py: it is not UTF-8 text")
    for student, (entry, why) in messy["refused"].items():
        score, maximum, problem, report = rows[student]
        assert (score, problem) == (0.0, f"could not read {entry}: {why}"), student
        assert maximum == 100 and all(c["message"] == problem for c in report["checks"]), student
        assert "\n" not in problem
    assert set(rows) == set(messy["refused"]) | {"alice", "binary"}


def test_the_batch_lists_what_it_left_out_and_the_gradebook_keeps_it(messy):
    from kit.commands.batch import summary_lines
    from kit.grading.gradebook import Gradebook

    unusable = messy["summary"].unusable
    expected = {f"{entry}: {why} (recorded as {student}'s 0)" for student, (entry, why) in messy["refused"].items()}
    assert set(unusable) == expected | {"notes.txt: a file, not a .py or .ipynb submission",
                                        "\\xff.py: its name is not UTF-8 text; rename it"}
    printed = summary_lines(messy["summary"], messy["db"])
    assert printed[0].startswith(f"Graded 2, skipped 0 already graded, 0 failed, {len(unusable)} left out")
    assert printed[1].startswith(f"Left out ({len(unusable)};") and printed[2:] == [f"  {line}" for line in unusable]
    with Gradebook(messy["db"], create=False) as book:
        assert book.left_out("04-derivatives") == unusable


def test_no_report_and_no_byte_of_the_gradebook_holds_the_secret(messy, tmp_path):
    from kit.commands.batch import summary_lines
    from kit.grading.runners.engine import GradeResult
    from kit.grading.runners.report import render

    db = messy["db"]
    for path in (db, Path(f"{db}-wal")):
        if path.exists():
            assert b"SECRET-7f3a9c" not in path.read_bytes(), path
    for student, (_, _, _, report) in _rows(db).items():
        result = GradeResult.from_dict(report)
        for form in ("text", "json", "gradescope"):
            assert "SECRET-7f3a9c" not in render(result, form), (student, form)
    assert "SECRET-7f3a9c" not in "\n".join(summary_lines(messy["summary"], db))
    out = tmp_path / "grades.csv"
    shown = subprocess.run([sys.executable, "-m", "kit.cli", "gradebook", str(db), "--csv", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120, env=ENVIRONMENT)
    assert shown.returncode == 0, shown.stderr
    assert "Left out by the last batch" in shown.stdout and "mallory.py: it is a symbolic link" in shown.stdout
    assert "SECRET-7f3a9c" not in shown.stdout + shown.stderr + out.read_text(encoding="utf-8-sig")


def test_a_rerun_skips_the_unreadable_and_a_fixed_entry_is_graded(messy, zygote):
    from kit.grading.runners.batch import grade_folder

    folder, db = messy["folder"], messy["db"]
    before = len(_rows(db))
    with _deadline(300, "the rerun"):
        again = grade_folder("04", folder, db, zygotes=[zygote], limits=TEST_LIMITS, progress=False)
    # locked.py reads now (and is graded); vanishing/ is gone; every other entry is as it was.
    assert again.graded == 1 and again.skipped == before - 2 and _rows(db)["locked"][:3] == (100.0, 100.0, "")
    (folder / "eve.py").unlink()
    (folder / "eve.py").write_text(SOLUTION)  # eve submits her own file
    with _deadline(300, "the rerun"):
        fixed = grade_folder("04", folder, db, zygotes=[zygote], limits=TEST_LIMITS, progress=False)
    assert fixed.graded == 1 and _rows(db)["eve"][:3] == (100.0, 100.0, "")


def _as_nobody(function, *arguments):
    """``function(*arguments)`` in a forked child running as nobody (uid and gid 65534, no groups):
    what a grader that is not root meets. Its JSON-able result, or the exception's text."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                answer = {"value": function(*arguments)}
            except BaseException as error:  # noqa: BLE001 - reported to the parent
                answer = {"error": f"{type(error).__name__}: {error}"}
            os.write(writer, json.dumps(answer).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def _found(folder):
    from kit.grading.runners.batch import find_submissions

    entries, unusable = find_submissions(folder)
    return [[e.student, e.content is not None, e.problem] for e in entries], unusable


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_unreadable_entries_as_a_plain_user_become_their_students_reasons():
    import kit.grading.runners.batch  # noqa: F401 - imported before the fork: the child reads nothing of the kit

    folder = Path(tempfile.mkdtemp(prefix="kit-nobody-"))
    try:
        os.chmod(folder, 0o755)
        (folder / "alice.py").write_text("x = 1\n")
        (folder / "shut.py").write_text(SECRET)
        os.chmod(folder / "shut.py", 0o000)
        for name, mode in (("closed", 0o000), ("listonly", 0o444)):
            (folder / name).mkdir()
            (folder / name / "attempt.py").write_text(SECRET)
            os.chmod(folder / name, mode)
        answer = _as_nobody(_found, str(folder))
        assert "value" in answer, answer
        entries, unusable = answer["value"]
        denied = "permission denied (the grader's user may not read it)"
        assert entries == [["alice", True, ""],
                           ["closed", False, f"could not read closed/: {denied}"],
                           ["listonly", False, f"could not read listonly/attempt.py: {denied}"],
                           ["shut", False, f"could not read shut.py: {denied}"]]
        assert len(unusable) == 3 and "SECRET" not in json.dumps(answer)
    finally:
        for name in ("closed", "listonly"):
            os.chmod(folder / name, 0o755)
        shutil.rmtree(folder)


# ---------------------------------------------------------------------------------------------
# One file: kit grade / kit check, and the Gradescope autograder


def _kit(*arguments, cwd=ROOT):
    """``kit ARGS`` in a fresh interpreter; exits 99 if TensorFlow got imported."""
    code = (f"import sys\nfrom kit.cli import main\nstatus = main({list(arguments)!r})\n"
            "sys.exit(99 if 'tensorflow' in sys.modules else status)")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=ENVIRONMENT)


def test_kit_grade_and_check_refuse_a_link_a_fifo_and_a_device_in_one_line(tmp_path):
    secret = _secret_file(tmp_path)
    (tmp_path / "link.py").symlink_to(secret)
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "null.py").symlink_to("/dev/null")
    cases = [("grade", "link.py", "it is a symbolic link; submit the file itself"),
             ("check", "pipe.py", "it is a named pipe (FIFO), not a file; submit the file itself"),
             ("grade", "null.py", "it is a symbolic link; submit the file itself")]
    for command, name, why in cases:
        with _deadline(120, f"kit {command} {name}"):
            result = _kit(command, "04", str(tmp_path / name))
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert result.stderr == f"kit {command}: error: could not read {name}: {why}\n", result.stderr
        assert "SECRET" not in result.stdout + result.stderr


def test_the_autograder_gives_zero_with_the_reason_and_nothing_of_the_target(tmp_path):
    from kit.grading.runners.autograder import run

    secret = _secret_file(tmp_path)
    cases = {
        "link": (lambda s: (s / "answer.py").symlink_to(secret), "Could not read answer.py: it is a symbolic link"),
        "fifo": (lambda s: os.mkfifo(s / "answer.ipynb"), "Could not read answer.ipynb: it is a named pipe (FIFO)"),
        "hard": (lambda s: os.link(secret, s / "answer.py"), "Could not read answer.py: it has 2 names"),
        "folder": (lambda s: (s / "work").symlink_to(secret.parent),
                   "No .py or .ipynb file was submitted: upload your exercise file (e.g. starter.py or "
                   "starter.ipynb). Left out: work: it is a symbolic link, which is not followed."),
    }
    for name, (make, expected) in cases.items():
        root = tmp_path / name
        (root / "submission").mkdir(parents=True)
        make(root / "submission")
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors), _deadline(120, f"the autograder on {name}"):
            assert run("04", root) == 1
        results = json.loads((root / "results" / "results.json").read_text())
        assert_gradescope_schema(results)
        assert results["score"] == 0 and results["output"].startswith(expected), (name, results["output"])
        assert "SECRET" not in json.dumps(results) + errors.getvalue()


# ---------------------------------------------------------------------------------------------
# Gradebooks that are not the kit's


def _foreign(path: Path, kind: str) -> None:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("plain text, not SQLite\n" * 100)
    else:
        connection = sqlite3.connect(path, isolation_level=None)
        if kind == "wal":
            connection.execute("PRAGMA journal_mode=WAL")
        if kind == "other-application":
            connection.execute("PRAGMA application_id = 1234")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        connection.execute("INSERT INTO invoices (amount) VALUES (12.5)")
        if kind == "lookalike":  # the kit's table names, no marker and no meta row
            connection.execute("CREATE TABLE grades (x)")
            connection.execute("CREATE TABLE check_results (x)")
            connection.execute("CREATE TABLE gradings (x)")
        connection.close()


@pytest.mark.parametrize("kind", ["empty", "text", "sqlite", "wal", "other-application", "lookalike"])
def test_a_file_that_is_no_kit_gradebook_is_refused_and_left_byte_for_byte(tmp_path, capsys, kind):
    from kit.cli import main

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(SOLUTION)
    db = tmp_path / "other.sqlite"
    _foreign(db, kind)
    before = db.read_bytes()
    neighbours = sorted(p.name for p in tmp_path.iterdir())
    for arguments in (["grade-batch", "04", str(folder), "--db", str(db)], ["gradebook", str(db)],
                      ["gradebook", str(db), "--csv", str(tmp_path / "out.csv")]):
        assert main(arguments) == 2, arguments
        captured = capsys.readouterr()
        assert captured.out == "" and len(captured.err.strip().splitlines()) == 1, captured.err
        assert f"'{db}' is not a kit gradebook (" in captured.err, captured.err
        assert db.read_bytes() == before, arguments
        assert sorted(p.name for p in tmp_path.iterdir()) == neighbours, arguments  # no -wal, -shm, .lock


def test_a_gradebook_an_older_kit_wrote_is_read_then_adopted(tmp_path, capsys):
    from kit.cli import main
    from kit.grading.gradebook import APPLICATION_ID, Gradebook
    from tests.grading.test_gradebook_instructor import SCHEMA_V2

    db = tmp_path / "old.sqlite"
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA_V2.split("CREATE TABLE left_out")[0])  # the version 1 schema
    connection.execute("INSERT INTO meta VALUES ('schema', '1')")
    connection.execute("INSERT INTO grades VALUES ('04-derivatives', 'alice', 'h', 'v', 'alice.py', 100, 100, '', 1, "
                       "0.5, '2026-01-01T00:00:00+00:00', '{}')")
    connection.close()
    before = db.read_bytes()
    assert main(["gradebook", str(db)]) == 0
    assert "alice" in capsys.readouterr().out and db.read_bytes() == before  # read, not written
    with Gradebook(db) as book:
        assert book.left_out("04-derivatives") == [] and book.totals()[0][1] == "alice"
    assert int.from_bytes(db.read_bytes()[68:72], "big") == APPLICATION_ID


def test_a_new_gradebook_carries_the_marker_in_its_header(tmp_path):
    from kit.grading.gradebook import APPLICATION_ID, Gradebook, inspect

    db = tmp_path / "new.sqlite"
    assert inspect(db) == "new"
    Gradebook(db).close()
    header = db.read_bytes()[:100]
    assert header.startswith(b"SQLite format 3\x00") and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    assert inspect(db) == "gradebook" and not [p for p in tmp_path.iterdir() if p.name.endswith(".new")]


# ---------------------------------------------------------------------------------------------
# Two batches on one gradebook


class _SecondBatchWhileFirstGrades(io.StringIO):
    """The first batch's progress stream: at its first line (one submission recorded, the others
    not yet), start a second ``kit grade-batch`` on the same gradebook and wait until it says it
    waits for the lock (or ends: then it did not wait)."""

    def __init__(self, command):
        super().__init__()
        self.command, self.second, self.lines = command, None, []

    def write(self, text):
        if self.second is None and text.strip():
            self.second = subprocess.Popen(self.command, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)
            reader = threading.Thread(target=lambda: self.lines.extend(self.second.stderr), daemon=True)
            reader.start()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and self.second.poll() is None and \
                    not any("waiting for another kit grade-batch" in line for line in self.lines):
                time.sleep(0.05)
        return super().write(text)


@pytest.mark.slow  # a second interpreter and three gradings: about 10 s here
def test_two_batches_on_one_gradebook_grade_each_submission_once(tmp_path, zygote):
    from kit.grading import Limits
    from kit.grading.runners.batch import grade_folder

    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("alice", "bob", "carol"):
        (folder / f"{name}.py").write_text(SOLUTION)
    db = tmp_path / "gradebook.sqlite"
    command = [sys.executable, "-m", "kit.cli", "grade-batch", "04", str(folder), "--db", str(db), "--timeout", "3"]
    stream = _SecondBatchWhileFirstGrades(command)
    first = grade_folder("04", folder, db, zygotes=[zygote], limits=Limits(timeout=3), progress=stream)
    assert first.graded == 3
    out, _ = stream.second.communicate(timeout=300)
    with sqlite3.connect(db) as connection:
        log = dict(connection.execute("SELECT student, COUNT(*) FROM gradings GROUP BY student"))
    assert log == {"alice": 1, "bob": 1, "carol": 1}, (log, out)  # without the lock: bob and carol twice
    assert stream.second.returncode == 0, "".join(stream.lines)
    assert "Graded 0, skipped 3 already graded" in out, out
    waited = [line for line in stream.lines if "waiting for another kit grade-batch" in line]
    assert len(waited) == 1 and f"process {os.getpid()}" in waited[0] and "Ctrl-C stops waiting" in waited[0]


def test_the_dask_path_grades_the_bytes_read_once_under_the_lock(tmp_path, monkeypatch):
    # The cluster itself is tested in test_batch_cluster.py (slow); here its place in the batch:
    # what crosses is the planning's bytes, and the gradebook's lock is held while it grades.
    import fcntl

    from kit.grading.runners import cluster
    from kit.grading.runners.batch import grade_folder
    from kit.grading.runners.engine import unread_result
    from kit.grading.gradebook import lock_path

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(SOLUTION)
    (folder / "mallory.py").symlink_to(_secret_file(tmp_path))
    db = tmp_path / "gradebook.sqlite"
    crossed = []

    def on_cluster(scheduler, planned, limits, require_isolation):
        other = os.open(lock_path(db), os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # another batch could not take it now
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
        for entry, digest in planned.todo:
            crossed.append((entry.student, entry.content))
            yield "graded", entry, digest, unread_result("04", str(entry.path), "graded elsewhere")

    monkeypatch.setattr(cluster, "grade_on_cluster", on_cluster)
    summary = grade_folder("04", folder, db, scheduler="tcp://127.0.0.1:1", progress=False)
    assert crossed == [("alice", SOLUTION.encode())] and summary.graded == 1  # mallory's link never crosses
    assert summary.unusable == ["mallory.py: it is a symbolic link; submit the file itself (recorded as mallory's 0)"]
