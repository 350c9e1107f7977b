"""kit grade-batch and kit gradebook: a rerun grades nothing twice, a changed file is regraded
alone, hostile submissions do not stop the batch, and a batch killed with SIGKILL resumes.

The in-process tests share the session's zygote (exercise 04 grades in well under a second);
the kill test runs the command as a subprocess and is marked slow."""

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.grading.conftest import TEST_LIMITS
from tests.grading.shared import run_kit

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "04-derivatives"
CORPUS = Path(__file__).resolve().parent / "submissions"
SOLUTION = (EXERCISE / "solution.py").read_text()
STARTER = (EXERCISE / "starter.py").read_text()
# A wrong answer that still imports: relu gives x itself (the identity, a trivial answer).
WRONG_RELU = SOLUTION + "\n\ndef relu(x):\n    return x\n"


def _folder(tmp_path, students: dict) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, text in students.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def _gradings(db) -> dict:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT student, COUNT(*) FROM gradings GROUP BY student").fetchall()
    return dict(rows)


def _grade(folder, db, zygote, **options):
    from kit.grading.runners.batch import grade_folder

    return grade_folder("04", folder, db, zygotes=[zygote], limits=TEST_LIMITS, progress=False, **options)


def test_rerun_grades_nothing_and_a_changed_file_alone(tmp_path, zygote):
    folder = _folder(tmp_path, {"alice.py": SOLUTION, "bob.py": STARTER, "carol/attempt.py": WRONG_RELU,
                                "dave.py": SOLUTION, "erin/notes.txt": "no submission here"})
    db = tmp_path / "gradebook.sqlite"
    first = _grade(folder, db, zygote)
    assert (first.graded, first.skipped, first.failed) == (4, 0, [])
    assert first.unusable == ["erin/: no .py or .ipynb file; a student's folder must hold exactly one submission"]
    again = _grade(folder, db, zygote)
    assert (again.graded, again.skipped) == (0, 4)
    assert _gradings(db) == {"alice": 1, "bob": 1, "carol": 1, "dave": 1}

    (folder / "bob.py").write_text(SOLUTION)
    changed = _grade(folder, db, zygote)
    assert (changed.graded, changed.skipped) == (1, 3)
    assert _gradings(db) == {"alice": 1, "bob": 2, "carol": 1, "dave": 1}

    forced = _grade(folder, db, zygote, regrade=True)
    assert (forced.graded, forced.skipped) == (4, 0)

    from kit.grading.gradebook import Gradebook

    with Gradebook(db, create=False) as book:
        totals = {student: (score, maximum) for _, student, score, maximum, _ in book.totals()}
        failing = {name: failed for name, failed, _, _ in book.failing("04-derivatives")}
    assert totals["alice"] == totals["bob"] == totals["dave"] == (100.0, 100.0)
    assert 0 < totals["carol"][0] < 100  # only relu's checks fail
    assert failing["relu: values (float64)"] == 1 and failing["sigmoid: values (float64)"] == 0


def test_changed_checks_regrade_everything(tmp_path, zygote, monkeypatch):
    from kit.grading import gradebook

    folder = _folder(tmp_path, {"alice.py": SOLUTION, "bob.py": STARTER})
    db = tmp_path / "gradebook.sqlite"
    _grade(folder, db, zygote)
    monkeypatch.setattr(gradebook, "checks_version", lambda exercise, limits=None: "other-checks")
    assert _grade(folder, db, zygote).graded == 2


def test_hostile_submissions_do_not_stop_the_batch(tmp_path, zygote):
    from kit.grading import grade_submission

    folder = _folder(tmp_path, {"alice.py": SOLUTION, "bob.py": STARTER, "carol.py": WRONG_RELU})
    hostile = ["infinite_loop.py", "syntax_error.py", "os_exit_mid_call.py"]
    for name in hostile:  # copied as text, never imported here
        shutil.copyfile(CORPUS / name, folder / name)
    db = tmp_path / "gradebook.sqlite"
    summary = _grade(folder, db, zygote)
    assert (summary.graded, summary.failed) == (6, [])

    from kit.grading.gradebook import Gradebook
    import json

    with Gradebook(db, create=False) as book:
        reports = {student: json.loads(report) for student, report in
                   book.connection.execute("SELECT student, report FROM grades")}
    for name in ("alice", "bob", "carol"):
        alone = grade_submission("04", folder / f"{name}.py", zygote=zygote, limits=TEST_LIMITS).as_dict(timings=False)
        stored = {key: value for key, value in reports[name].items() if key not in ("seconds", "calls", "child_seconds")}
        for check in stored["checks"]:
            check.pop("seconds")
        assert stored == alone, name
    for name in hostile:
        assert reports[Path(name).stem]["score"] < reports[Path(name).stem]["max_score"], name
    assert reports["syntax_error"]["problem"]


def test_gradebook_csv_opens_as_a_table(tmp_path, zygote):
    folder = _folder(tmp_path, {"alice.py": SOLUTION, "bob.py": STARTER})
    db = tmp_path / "gradebook.sqlite"
    _grade(folder, db, zygote)
    out = tmp_path / "grades.csv"
    result = run_kit("gradebook", str(db), "--csv", str(out))
    assert result.returncode == 0, result.stderr
    assert "alice" in result.stdout and "50.0%  1/2  sigmoid: values (float64)" in result.stdout
    with open(out, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["student"], r["score"], r["max_score"]) for r in rows] == [("alice", "100", "100"), ("bob", "0", "100")]
    assert rows[0]["relu_grad(0) is 0"] == "5" and rows[1]["relu_grad(0) is 0"] == "0"


@pytest.mark.parametrize("arguments, expected", [
    (["grade-batch", "99", ".", "--db", "{tmp}/g.sqlite"], "Unknown exercise"),
    (["grade-batch", "04", "{tmp}/missing", "--db", "{tmp}/g.sqlite"], "No folder"),
    (["grade-batch", "04", "{tmp}", "--db", "{tmp}/g.sqlite", "--workers", "0"], "must be an int ≥ 1"),
    (["grade-batch", "04", "{tmp}", "--db", "{tmp}/not-a-db.txt"], "is not a kit gradebook"),
    (["gradebook", "{tmp}/missing.sqlite"], "No gradebook"),
])
def test_arguments_are_refused_in_one_line_before_tensorflow(tmp_path, arguments, expected):
    (tmp_path / "not-a-db.txt").write_text("plain text, not SQLite\n" * 100)
    started = time.monotonic()
    result = run_kit(*[a.replace("{tmp}", str(tmp_path)) for a in arguments])
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    # TensorFlow's import alone takes 5-15 s here; a refusal that loads it cannot answer in 4 s.
    assert time.monotonic() - started < 4


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_resumes_and_grades_each_submission_once(tmp_path):
    students = {f"student{i:02d}.py": (SOLUTION if i % 3 else WRONG_RELU) for i in range(24)}
    folder = _folder(tmp_path, students)
    db = tmp_path / "gradebook.sqlite"
    command = [sys.executable, "-m", "kit.cli", "grade-batch", "04", str(folder), "--db", str(db), "--timeout", "3"]
    environment = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"}
    batch = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    graded = 0
    while time.monotonic() < deadline and batch.poll() is None:
        if db.exists():
            graded = sum(_gradings(db).values()) if _table_ready(db) else 0
            if graded >= 3:
                break
        time.sleep(0.05)
    assert batch.poll() is None, "the batch ended before it could be killed: give it more submissions"
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    killed_at = sum(_gradings(db).values())
    assert 3 <= killed_at < len(students)

    resumed = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"skipped {killed_at} already graded" in resumed.stdout
    assert _gradings(db) == {Path(name).stem: 1 for name in students}
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        scores = dict(connection.execute("SELECT student, score FROM grades"))
    assert all((scores[Path(n).stem] == 100) == (text == SOLUTION) for n, text in students.items())
    again = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert "Graded 0, skipped 24" in again.stdout and _gradings(db) == {Path(n).stem: 1 for n in students}


def _table_ready(db) -> bool:
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute("SELECT 1 FROM sqlite_master WHERE name='gradings'").fetchone() is not None
    except sqlite3.Error:
        return False


def _kit_without_tensorflow(*arguments, prelude="", environment=None, user=None):
    """``kit ARGS`` in a fresh interpreter after ``prelude``; exits 99 if TensorFlow got imported."""
    code = (f"import sys\n{prelude}\nfrom kit.cli import main\nstatus = main({list(arguments)!r})\n"
            "sys.exit(99 if 'tensorflow' in sys.modules else status)")
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
           **(environment or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env, user=user)


@pytest.mark.slow  # two gradings and two fresh interpreters: 6-18 s here
def test_a_rerun_with_nothing_to_do_starts_no_tensorflow_and_no_zygote(tmp_path, zygote):
    from kit.grading import Limits
    from kit.grading.runners.batch import grade_folder

    folder = _folder(tmp_path, {"alice.py": SOLUTION, "bob.py": STARTER})
    db = tmp_path / "gradebook.sqlite"
    # The limits `--timeout 3` gives, so that the command finds the same checks' version.
    assert grade_folder("04", folder, db, zygotes=[zygote], limits=Limits(timeout=3), progress=False).graded == 2
    no_zygote = ("import kit.grading.sandbox.zygote as sandbox\n"
                 "def refuse(self):\n    raise SystemExit('a zygote was started')\n"
                 "sandbox.Zygote.start = refuse\nsandbox.Zygote.__enter__ = refuse")
    result = _kit_without_tensorflow("grade-batch", "04", str(folder), "--db", str(db), "--timeout", "3",
                                     prelude=no_zygote)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Graded 0, skipped 2 already graded" in result.stdout
    assert _gradings(db) == {"alice": 1, "bob": 1}
    # The same check catches a run that has work: it must start one (and it is refused here).
    (folder / "bob.py").write_text(SOLUTION)
    busy = _kit_without_tensorflow("grade-batch", "04", str(folder), "--db", str(db), "--timeout", "3",
                                   "--allow-unisolated", prelude=no_zygote)
    assert busy.returncode != 0 and "a zygote was started" in busy.stderr


@pytest.mark.parametrize("db, expected", [
    ("{tmp}/missing/g.sqlite", "its folder '{tmp}/missing' does not exist. Create the folder first"),
    ("{tmp}/plain.txt/g.sqlite", "its folder '{tmp}/plain.txt' is not a folder"),
    ("{tmp}/plain.txt", "'{tmp}/plain.txt' is not a kit gradebook (file is not a database)"),
    ("/proc/g.sqlite", "Cannot write the gradebook '/proc/g.sqlite' (No such file or directory: its lock file"),
])
def test_a_gradebook_that_cannot_be_used_is_refused_in_one_line(tmp_path, db, expected):
    (tmp_path / "plain.txt").write_text("plain text, not SQLite\n" * 100)
    folder = _folder(tmp_path, {"alice.py": SOLUTION})
    result = _kit_without_tensorflow("grade-batch", "04", str(folder), "--db", db.replace("{tmp}", str(tmp_path)))
    assert result.returncode == 2, result.stderr
    assert expected.replace("{tmp}", str(tmp_path)) in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare(1)")
def test_a_gradebook_in_a_read_only_folder_is_refused_in_one_line(tmp_path):
    # Root may write anywhere permissions forbid: a read-only mount (in a mount namespace of the
    # command alone) is a folder even root cannot write.
    folder = _folder(tmp_path, {"alice.py": SOLUTION})
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    db = readonly / "g.sqlite"
    code = f"import sys\nfrom kit.cli import main\nsys.exit(main({['grade-batch', '04', str(folder), '--db', str(db)]!r}))"
    script = f'mount --bind -o ro "{readonly}" "{readonly}" && exec "{sys.executable}" -c "$0"'
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, code], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    if "mount" in result.stderr and "kit grade-batch" not in result.stderr:
        pytest.skip(f"no read-only bind mount here: {result.stderr.strip()}")
    assert result.returncode == 2, result.stderr
    assert f"Cannot write the gradebook '{db}': its folder is not writable" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not db.exists()


def test_a_locked_gradebook_is_refused_in_one_line(tmp_path):
    folder = _folder(tmp_path, {"alice.py": SOLUTION})
    db = tmp_path / "gradebook.sqlite"
    from kit.grading.gradebook import Gradebook

    Gradebook(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program writing, and not letting go
    try:
        result = _kit_without_tensorflow("grade-batch", "04", str(folder), "--db", str(db),
                                         environment={"KIT_GRADEBOOK_WAIT": "0.5"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2, result.stderr
    assert f"The gradebook '{db}' is locked by another program (still after 0.5 s)" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
