"""kit gradebook as an instructor uses it, on gradebooks filled directly (no grading: the
autograder's side is tested in test_batch.py and test_batch_deadlines.py): the roster's join
(missing and unknown students), Canvas's and Moodle's files read back, late policies, overrides,
the similarity report, migrations of older gradebooks, one-line refusals, and no TensorFlow."""

import csv
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "04-derivatives"
SOLUTION = (EXERCISE / "solution.py").read_text()
STARTER = (EXERCISE / "starter.py").read_text()
KEY = "04-derivatives"
CHECKS = {"relu: values": 5.0, "relu_grad: values": 5.0, "relu: unseen inputs": 1.0}
HIDDEN = {"relu: unseen inputs"}
# The frozen schema of gradebook version 2 (the kit before rosters and late attempts).
SCHEMA_V2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE grades (exercise TEXT NOT NULL, student TEXT NOT NULL, content_hash TEXT NOT NULL,
    checks_version TEXT NOT NULL, submission TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    problem TEXT NOT NULL, isolated INTEGER NOT NULL, seconds REAL NOT NULL, graded_at TEXT NOT NULL,
    report TEXT NOT NULL, PRIMARY KEY (exercise, student));
CREATE TABLE check_results (exercise TEXT NOT NULL, student TEXT NOT NULL, position INTEGER NOT NULL,
    name TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, visibility TEXT NOT NULL,
    message TEXT NOT NULL, PRIMARY KEY (exercise, student, name));
CREATE TABLE gradings (id INTEGER PRIMARY KEY AUTOINCREMENT, exercise TEXT NOT NULL, student TEXT NOT NULL,
    content_hash TEXT NOT NULL, checks_version TEXT NOT NULL, score REAL NOT NULL, graded_at TEXT NOT NULL);
CREATE TABLE left_out (exercise TEXT NOT NULL, position INTEGER NOT NULL, entry TEXT NOT NULL,
    noted_at TEXT NOT NULL, PRIMARY KEY (exercise, position));
"""


def result(scores: dict):
    """A GradeResult of exercise 04 with these points per check (of CHECKS)."""
    from kit.grading.runners.engine import CheckResult, GradeResult

    checks = tuple(CheckResult(name, scores[name], points, "hidden" if name in HIDDEN else "visible",
                               "" if scores[name] >= points else f"{name} is wrong", 0.01)
                   for name, points in CHECKS.items())
    return GradeResult(KEY, "x.py", checks, 0.5, isolation_level="container")


FULL = dict(CHECKS)
HALF = {"relu: values": 5.0, "relu_grad: values": 0.0, "relu: unseen inputs": 0.0}


def record(book, student, scores, source=b"x = 1\n", late=False, submitted="2026-12-19T10:00:00+00:00"):
    from kit.grading.gradebook import content_hash
    from kit.grading.instructor.deadlines import Attempt
    from kit.grading.sandbox.submission import Submission

    submission = Submission(f"{student}.py", source, f"{student}.py")
    book.record(student, content_hash(submission), "v1", result(scores),
                Attempt(late, submitted, "file time", "submitted after the due date" if late else ""), submission)


@pytest.fixture
def book_path(tmp_path):
    """alice (full marks), bob (half), @evil (not in the roster: a name that looks like a formula)."""
    from kit.grading.gradebook import Gradebook

    db = tmp_path / "gradebook.sqlite"
    with Gradebook(db) as book:
        record(book, "alice", FULL)
        record(book, "bob", HALF)
        record(book, "@evil", HALF)
    roster = tmp_path / "roster.csv"
    roster.write_text("ID, Name ,email,submission,section,phone\n1001,Alice Martin,alice@example.org,alice,A,1\n"
                      "1002,Bob Stone,bob@example.org,bob,B,2\n1003,Carol Ng,carol@example.org,,A,3\n",
                      encoding="utf-8-sig")
    return db, roster


def _read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_the_roster_joins_missing_and_unknown_students(book_path, tmp_path, capsys):
    from kit.cli import main

    db, roster = book_path
    assert main(["gradebook", str(db), "--roster", str(roster), "--csv", str(tmp_path / "grades.csv")]) == 0
    out = capsys.readouterr().out
    assert "Roster of 3 students kept" in out and "(columns ignored: phone)" in out
    assert re.search(r"1003 Carol Ng +– +– +missing", out), out
    assert re.search(r"@evil +5/11 +1/3 +on time, not in roster", out), out
    assert "Roster: 3 students; 1 without a submission: 1003 Carol Ng; 1 submission not in the roster: @evil" in out
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8-sig") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert {s: (r["id"], r["status"], r["in_roster"], r["score"]) for s, r in rows.items()} == {
        "alice": ("1001", "on time", "yes", "11"), "bob": ("1002", "on time", "yes", "5"),
        "1003": ("1003", "missing", "yes", "0"), "'@evil": ("", "on time", "no", "5")}
    assert rows["bob"]["relu_grad: values"] == "0" and rows["bob"]["section"] == "B"
    assert rows["bob"]["feedback"] == "5/11; failed: relu_grad: values (0/5), relu: unseen inputs (0/1)"
    # The roster is kept: the next call joins it without --roster.
    assert main(["gradebook", str(db)]) == 0 and "1 without a submission" in capsys.readouterr().out


def test_canvas_and_moodle_files_read_back(book_path, tmp_path, capsys):
    from kit.cli import main
    from kit.grading.instructor.exports import CANVAS_COLUMNS, MOODLE_COLUMNS

    db, roster = book_path
    canvas, moodle = tmp_path / "canvas.csv", tmp_path / "moodle.csv"
    assert main(["gradebook", str(db), "--csv", str(canvas), "--format", "canvas"]) == 2  # no roster yet
    assert "needs the class roster" in capsys.readouterr().err
    assert main(["gradebook", str(db), "--roster", str(roster), "--csv", str(canvas), "--format", "canvas"]) == 0
    assert "Left out of the canvas file, not in the roster (1): @evil" in capsys.readouterr().out
    assert _read(canvas) == [list(CANVAS_COLUMNS) + [KEY], ["Points Possible", "", "", "", "", "11"],
                             ["Alice Martin", "", "1001", "alice@example.org", "A", "11"],
                             ["Bob Stone", "", "1002", "bob@example.org", "B", "5"],
                             ["Carol Ng", "", "1003", "carol@example.org", "A", ""]]
    assert main(["gradebook", str(db), "--csv", str(moodle), "--format", "moodle"]) == 0
    rows = _read(moodle)
    assert rows[0] == list(MOODLE_COLUMNS) + [KEY, f"{KEY} (feedback)"]
    assert rows[1] == ["Alice", "Martin", "1001", "alice@example.org", "11", "11/11"]
    assert rows[2][:5] == ["Bob", "Stone", "1002", "bob@example.org", "5"] and "failed: relu_grad" in rows[2][5]
    assert rows[3] == ["Carol", "Ng", "1003", "carol@example.org", "", ""]


def test_the_late_policy_and_the_better_attempt_count(tmp_path):
    from kit.grading.gradebook import Gradebook
    from kit.grading.instructor.deadlines import Deadline, LatePolicy
    from kit.grading.instructor.standing import standings

    assert LatePolicy.parse("penalty=10").apply(9, 11, 2) == (pytest.approx(6.8), "9 − 2 days × 10% of 11 = 6.8")
    assert LatePolicy.parse("cap=50").apply(11, 11, 5)[0] == 5.5
    assert LatePolicy.parse("penalty=60").apply(11, 11, 2)[0] == 0  # never below 0
    assert str(LatePolicy.parse(" penalty=10% , cap=50")) == "penalty=10,cap=50"
    for bad in ("bogus", "penalty=", "penalty=101", "cap=-1", "penalty=1,penalty=2", "refuse,cap=5"):
        with pytest.raises(ValueError, match="Unknown late policy"):
            LatePolicy.parse(bad)
    db = tmp_path / "g.sqlite"
    with Gradebook(db) as book:
        record(book, "alice", HALF)  # on time 5
        record(book, "alice", FULL, late=True, submitted="2026-12-21T10:00:00+00:00")  # 11, one day late
        record(book, "bob", FULL, late=True, submitted="2026-12-23T00:00:00+00:00")  # late only, 3 days
        for policy, alice, bob in (("refuse", 5, 0), ("penalty=10", 9.9, 7.7), ("penalty=50", 5.5, 0),
                                   ("cap=40", 5, 4.4)):
            Deadline.given("2026-12-20T23:59Z", policy).store(book, KEY)
            rows = {row.student: row for row in standings(book, KEY)}
            assert (rows["alice"].counted, rows["bob"].counted) == (pytest.approx(alice), pytest.approx(bob)), policy
            assert rows["alice"].on_time.score == 5 and rows["bob"].status == "late"
            assert rows["alice"].counted_from == ("late" if alice > 5 else "on-time"), policy


def test_similarity_ranks_a_renamed_copy_above_unrelated_work_and_ignores_starter_lines(tmp_path, capsys):
    from kit.cli import main
    from kit.grading.gradebook import Gradebook
    from kit.grading.instructor.similarity import compare

    renamed = SOLUTION
    for old, new in (("x", "inputs"), ("s", "sig"), ("t", "th"), ("z", "decay"), ("alpha", "slope")):
        renamed = re.sub(rf"\b{old}\b", new, renamed)
    renamed = re.sub(r"# (BEGIN|END) SOLUTION.*", "# my own work", renamed)
    own = ("out = np.empty_like(np.asarray(x, dtype=float))\n    for index, value in np.ndenumerate(out):\n"
           "        out[index] = value if value > 0 else 0.0\n    return out")
    unrelated = re.sub(r"raise NotImplementedError\(.*\)", own, STARTER)
    sources = {"ann": SOLUTION, "ben": renamed, "cat": unrelated}
    pairs = compare(sources, STARTER)
    assert [(p.a, p.b) for p in pairs][0] == ("ann", "ben") and pairs[0].score > 0.9
    assert all(p.score < 0.25 for p in pairs[1:]), [(p.a, p.b, p.score) for p in pairs]
    starter_lines = {line.strip() for line in STARTER.splitlines()}
    for pair in pairs:  # every shared region holds code of the students' own, not only the starter's
        for a1, a2, _, _ in pair.regions:
            assert any(line.strip() not in starter_lines for line in sources[pair.a].splitlines()[a1 - 1:a2])
    without = {(p.a, p.b): p.score for p in compare(sources)}  # the starter counted: unrelated work looks alike
    assert without[("ann", "cat")] > 2 * next(p.score for p in pairs if (p.a, p.b) == ("ann", "cat"))

    db = tmp_path / "g.sqlite"
    with Gradebook(db) as book:
        for student, text in sources.items():
            record(book, student, HALF, source=text.encode())
        record(book, "dan", HALF, source=STARTER.encode())  # an untouched starter: nothing of its own to compare
        record(book, "eve", HALF, source=SOLUTION.encode())  # byte for byte ann's
    page = tmp_path / "pairs.html"
    assert main(["gradebook", str(db), "similarity", "--top", "3", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"100\.0%  ann ~ ben .*\n +100\.0%  ann ~ eve", out) and "identical files: ann, eve" in out
    assert "dan" not in out.split("identical files")[0]
    html = page.read_text()
    assert html.count("<h2>") == 3 and "<h2>ann ~ ben: 100%</h2>" in html
    assert "return 1 - th * th" in html and "return 1 - t * t" in html  # the shared lines, side by side


def _v2_gradebook(path) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA application_id = 1265202247")  # 0x4B697447
    connection.executescript(SCHEMA_V2)
    connection.execute("INSERT INTO meta VALUES ('schema', '2')")
    connection.execute(f"INSERT INTO grades VALUES ('{KEY}', 'alice', 'h', 'v', 'alice.py', 6, 11, '', 1, 0.5, "
                       "'2026-01-01T00:00:00+00:00', '{}')")
    connection.executemany("INSERT INTO check_results VALUES (?, 'alice', ?, ?, ?, ?, 'visible', '')",
                           [(KEY, i, name, FULL[name] if name == "relu: values" else 1.0 * (i == 2), points)
                            for i, (name, points) in enumerate(CHECKS.items())])
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def test_a_version_2_gradebook_is_read_as_it_is_and_migrated_when_written(tmp_path, capsys):
    from kit.cli import main
    from kit.grading.gradebook import SCHEMA_VERSION

    db = tmp_path / "old.sqlite"
    _v2_gradebook(db)
    before = db.read_bytes()
    assert main(["gradebook", str(db)]) == 0
    assert re.search(r"alice +6/11 +2/3 +on time", capsys.readouterr().out) and db.read_bytes() == before
    assert main(["gradebook", str(db), "override", "alice", "relu_grad: values", "5",
                 "--reason", "regraded by hand"]) == 0
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == (str(SCHEMA_VERSION),)
        assert connection.execute("SELECT student, late, score FROM grades").fetchall() == [("alice", 0, 6.0)]
        assert connection.execute("SELECT COUNT(*) FROM check_results WHERE late=0").fetchone() == (3,)
    assert main(["gradebook", str(db)]) == 0 and re.search(r"alice +11/11 +3/3 +on time, 1 override",
                                                          capsys.readouterr().out)


def test_a_crash_during_a_migration_leaves_the_gradebook_as_it_was(tmp_path, monkeypatch):
    from kit.grading import gradebook

    db = tmp_path / "old.sqlite"
    _v2_gradebook(db)
    real = gradebook._migrate_tables

    def crash(connection):
        real(connection)  # every table rebuilt, then the power fails
        raise KeyboardInterrupt

    monkeypatch.setattr(gradebook, "_migrate_tables", crash)
    with pytest.raises(KeyboardInterrupt):
        gradebook.Gradebook(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT value FROM meta").fetchone() == ("2",)
        assert "late" not in {row[1] for row in connection.execute("PRAGMA table_info(grades)")}
        assert connection.execute("SELECT student, score FROM grades").fetchall() == [("alice", 6.0)]
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    monkeypatch.setattr(gradebook, "_migrate_tables", real)
    with gradebook.Gradebook(db) as book:
        assert book.totals() == [(KEY, "alice", 6.0, 11.0, "")]


def test_a_gradebook_of_a_newer_kit_is_refused_in_one_line(tmp_path, capsys):
    from kit.cli import main
    from kit.grading.gradebook import Gradebook

    db = tmp_path / "new.sqlite"
    Gradebook(db).close()
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value='99' WHERE key='schema'")
    assert main(["gradebook", str(db)]) == 2
    err = capsys.readouterr().err
    assert "was written by a newer kit (gradebook version 99; this kit reads up to 3)" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("arguments, expected", [
    (["--reason", "why"], "--reason goes with override"),
    (["--format", "canvas"], "--format canvas says how to write --csv"),
    (["override", "alice", "relu: values"], "takes 3 arguments after override; got 2"),
    (["override", "alice", "relu: values", "5"], "An override needs a reason"),
    (["override", "alice", "relu: value", "5", "--reason", "r"],
     "Unknown check 'relu: value'. Did you mean 'relu: values'?"),
    (["override", "alice", "relu: values", "6", "--reason", "r"], "must be from 0 to 5 (its maximum). Got 6"),
    (["override", "alice", "relu: values", "nan", "--reason", "r"], "POINTS must be a number"),
    (["override", "zed", "relu: values", "1", "--reason", "r"], "Unknown student 'zed'"),
    (["override", "alice", "relu: values", "--remove"], "alice has no override of 'relu: values'"),
    (["feedback"], "takes 1 argument after feedback; got 0"),
    (["similarity", "--exercise", "06"], "The gradebook holds no grades of 06-relu-xor; it holds 04-derivatives"),
    (["--roster", "{tmp}/missing.csv"], "No roster"),
    (["--roster", "{tmp}/duplicate.csv"], "names id '7' twice (lines 2 and 3)"),
])
def test_a_wrong_gradebook_command_is_refused_in_one_line(book_path, tmp_path, capsys, arguments, expected):
    from kit.cli import main

    db, _ = book_path
    (tmp_path / "duplicate.csv").write_text("id,name\n7,A\n7,B\n")
    before = db.read_bytes()
    assert main(["gradebook", str(db)] + [a.replace("{tmp}", str(tmp_path)) for a in arguments]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1, err
    assert db.read_bytes() == before


@pytest.mark.parametrize("arguments, expected", [
    (["--due", "2026-12-20"], "The due date must be a date and a time of day"),
    (["--due", "tomorrow"], "Got 'tomorrow' instead"),
    (["--late-policy", "penalty=200"], "Unknown late policy 'penalty=200'"),
])
def test_a_wrong_due_date_or_late_policy_is_refused_by_the_parser(tmp_path, capsys, arguments, expected):
    from kit.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["grade-batch", "04", str(tmp_path), "--db", str(tmp_path / "g.sqlite")] + arguments)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and expected in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "g.sqlite").exists()


def test_the_gradebook_commands_import_no_tensorflow(book_path, tmp_path):
    """Each subcommand, in one fresh interpreter: exit status as expected, and TensorFlow never loaded."""
    db, roster = book_path
    commands = [
        (0, ["gradebook", str(db), "--roster", str(roster), "--csv", str(tmp_path / "a.csv"), "--format", "moodle"]),
        (0, ["gradebook", str(db), "override", "1002", "relu_grad: values", "2.5", "--reason", "partial credit"]),
        (0, ["gradebook", str(db), "feedback", str(tmp_path / "feedback")]),
        (0, ["gradebook", str(db), "similarity", "--html", str(tmp_path / "pairs.html")]),
        (2, ["gradebook", str(db), "override", "bob", "relu: values", "99", "--reason", "too many"]),
    ]
    code = ("import sys\nfrom kit.cli import main\n"
            f"for expected, arguments in {commands!r}:\n"
            "    status = main(arguments)\n"
            "    assert status == expected, (arguments, status)\n"
            "    assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, arguments\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1002: 'relu_grad: values' in 04-derivatives counts 2.5 points" in done.stdout
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == [
        "1001.html", "1001.md", "1002.html", "1002.md", "1003.html", "1003.md", "evil.html", "evil.md"]
    assert "No submission received." in (tmp_path / "feedback" / "1003.md").read_text()
    assert "partial credit" in (tmp_path / "feedback" / "1002.html").read_text()
