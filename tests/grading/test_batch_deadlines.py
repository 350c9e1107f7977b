"""kit grade-batch with a due date, then what the instructor does with the gradebook: a file
changed after the due date is graded as a late attempt beside the on-time grade (by its file
time, or because a grading after the due date saw other content whatever its time says), the
late policy is applied, an override survives a regrade, and every student gets a feedback file
with the hidden checks' results.

One class of two students graded three times (six gradings of exercise 04, the NumPy-only
exercise, in the session's zygote): the other gradebook tests insert rows directly."""

import datetime
import os
import re

import pytest

from tests.grading.conftest import TEST_LIMITS
from tests.grading.test_batch import SOLUTION, WRONG_RELU, _folder, _gradings

KEY = "04-derivatives"
CHECK = "relu: values (float64)"  # fails for WRONG_RELU, passes for the solution
NOW = datetime.datetime.now(datetime.timezone.utc)
DUE = (NOW - datetime.timedelta(days=10)).replace(microsecond=0)


def _set_time(path, moment) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def _grade(folder, db, zygote, **options):
    from kit.grading.runners.batch import grade_folder

    return grade_folder("04", folder, db, zygotes=[zygote], limits=TEST_LIMITS, progress=False, **options)


def _standing(db, student):
    from kit.grading.gradebook import Gradebook
    from kit.grading.instructor.standing import standings

    with Gradebook(db, create=False) as book:
        return {row.student: row for row in standings(book, KEY)}[student]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, zygote):
    """alice (on time by her file's time, then a late change), carol (on time by her folder's
    timestamp.txt although her file is newer, then a change whose file time was set back)."""
    base = tmp_path_factory.mktemp("class")
    folder = _folder(base, {"alice.py": SOLUTION, "carol/attempt.py": WRONG_RELU})
    _set_time(folder / "alice.py", DUE - datetime.timedelta(days=1))
    stamp = DUE - datetime.timedelta(hours=2)
    (folder / "carol" / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC\n"))
    db = base / "gradebook.sqlite"
    first = _grade(folder, db, zygote, due=DUE)
    on_time = {name: _standing(db, name).on_time for name in ("alice", "carol")}

    (folder / "alice.py").write_text(WRONG_RELU)  # now: 10 days after the due date
    (folder / "carol" / "attempt.py").write_text(SOLUTION)
    _set_time(folder / "carol" / "attempt.py", DUE - datetime.timedelta(days=1))  # a time set back
    second = _grade(folder, db, zygote, late_policy="cap=90")
    again = _grade(folder, db, zygote)
    return {"folder": folder, "db": db, "first": first, "second": second, "again": again, "on_time": on_time,
            "stamp": stamp}


def test_a_file_changed_after_the_due_date_is_a_late_attempt_beside_the_on_time_grade(graded_class):
    db = graded_class["db"]
    assert graded_class["first"].graded == 2 and graded_class["second"].graded == 2
    assert (graded_class["again"].graded, graded_class["again"].skipped) == (0, 2)  # both attempts are kept
    assert _gradings(db) == {"alice": 2, "carol": 2}

    alice = _standing(db, "alice")
    assert alice.on_time == graded_class["on_time"]["alice"] and alice.on_time.score == 100  # not replaced
    assert alice.late.score < 100 and alice.late.time_source == "file time"
    assert alice.days_late == 11  # 10 days and some seconds: each day begun counts whole
    assert alice.counted == 100 and alice.counted_from == "on-time"
    assert "after the due date" in alice.late.late_because

    carol = _standing(db, "carol")
    assert carol.on_time == graded_class["on_time"]["carol"]
    assert carol.on_time.time_source == "timestamp.txt"  # her file is newer than the due date
    assert carol.on_time.submitted_at == graded_class["stamp"].isoformat(timespec="seconds")
    assert carol.on_time.score < 100 and carol.late.score == 100
    assert "changed after the grading of" in carol.late.late_because  # its file time says before the due date
    assert carol.deadline.due == DUE and str(carol.deadline.policy) == "cap=90"  # kept from the batches
    assert carol.late_value == 90 and carol.counted == max(carol.on_time.score, 90)


def test_an_override_survives_a_regrade_and_every_student_gets_feedback_with_hidden_checks(graded_class, zygote,
                                                                                             tmp_path, capsys):
    from kit.cli import main

    db = graded_class["db"]
    alice = _standing(db, "alice")
    line = next(c for c in alice.late.checks if c.name == CHECK)
    assert line.auto_score < line.max_score
    assert main(["gradebook", str(db), "override", "alice", CHECK, f"{line.max_score:g}",
                 "--reason", "relu(0) convention agreed in class"]) == 0
    assert "kept across regrades" in capsys.readouterr().out
    regraded = _grade(graded_class["folder"], db, zygote, regrade=True)
    assert regraded.graded == 2 and _gradings(db) == {"alice": 3, "carol": 3}

    after = _standing(db, "alice")
    line = next(c for c in after.late.checks if c.name == CHECK)
    assert line.auto_score < line.max_score and line.score == line.max_score  # the autograder's and the override's
    assert line.override.reason == "relu(0) convention agreed in class"
    assert after.late.score == after.late.auto_score + line.max_score - line.auto_score

    out = tmp_path / "feedback"
    assert main(["gradebook", str(db), "feedback", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["alice.html", "alice.md", "carol.html", "carol.md"]
    for name in ("alice", "carol"):
        page, markdown = (out / f"{name}.html").read_text(), (out / f"{name}.md").read_text()
        for text in (page, markdown):
            assert re.search(r"sigmoid_grad: unseen inputs(\s+[\d/]+)? \[hidden\]", text), name
            assert "On-time attempt" in text and "Late attempt" in text
    assert "relu(0) convention agreed in class" in (out / "alice.md").read_text()
    assert re.search(r"FAIL  relu: unseen inputs\s+0/1 \[hidden\]", (out / "carol.md").read_text())  # on time
