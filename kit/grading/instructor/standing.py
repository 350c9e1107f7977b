"""Each student's counted grade: the autograder's attempts, the instructor's overrides, the late
policy and the roster, joined once here for every view of the gradebook (the table ``kit
gradebook`` prints, the CSVs, the LMS files, the feedback files).

- **Overrides** (``overrides`` table) set one check's points for one student, with a reason; they
  are kept apart from the autograder's results, so a regrade never loses them, and apply to
  every attempt of that student that has the check.
- **Attempts**: the on-time grade and the latest late one
  (:mod:`kit.grading.instructor.deadlines`). The late one counts through the exercise's late
  policy; the student's grade is the better of the two (a late attempt never lowers it).
- **Roster** (:mod:`kit.grading.instructor.roster`): a roster student without a grade is
  ``missing`` (0); a graded entry that no roster row names is flagged ``not in roster``.

Example:
    >>> for row in standings(book, "04-derivatives"):                     # doctest: +SKIP
    ...     print(row.label, row.counted, row.status)
    1001 Alice Martin 100.0 on time
"""

from __future__ import annotations

import dataclasses
import json

from kit.errors import InvalidParameter, KitError, unknown_name
from kit.grading.instructor.deadlines import Deadline, days_late, from_iso
from kit.grading.instructor.roster import Student, stored_roster

__all__ = ["Override", "CheckLine", "Graded", "Standing", "resolve_student", "set_override", "remove_override",
           "overrides", "standings"]


@dataclasses.dataclass(frozen=True)
class Override:
    """The instructor's points for one check of one student, and why."""

    check: str
    points: float
    reason: str
    made_at: str


@dataclasses.dataclass(frozen=True)
class CheckLine:
    """One check of one attempt: the autograder's points, and the points that count (an override's)."""

    name: str
    auto_score: float
    score: float
    max_score: float
    visibility: str
    message: str
    override: Override | None = None


@dataclasses.dataclass(frozen=True)
class Graded:
    """One attempt as the gradebook holds it, overrides applied to ``score`` and ``checks``."""

    late: bool
    auto_score: float
    score: float
    max_score: float
    problem: str
    submitted_at: str
    time_source: str
    late_because: str
    graded_at: str
    content_hash: str
    report: dict
    checks: tuple


@dataclasses.dataclass(frozen=True)
class Standing:
    """A student's place in one exercise: who (``student``: the class-folder entry; ``enrolled``:
    their roster row, None without a roster or for an entry no roster row names), the attempts,
    what counts and why."""

    exercise: str
    student: str
    enrolled: Student | None
    on_roster: bool | None  # None: the gradebook has no roster
    on_time: Graded | None
    late: Graded | None
    deadline: Deadline | None
    days_late: int
    late_value: float | None  # what the late attempt counts for, after the policy
    late_how: str
    counted: float
    max_score: float
    counted_from: str  # "on-time", "late" or "" (nothing to count)

    @property
    def status(self) -> str:
        """``on time``, ``late`` (the late attempt counts, or is the only one), or ``missing``."""
        if self.on_time is None and self.late is None:
            return "missing"
        return "late" if self.counted_from == "late" or self.on_time is None else "on time"

    @property
    def label(self) -> str:
        """The student as a table names them: the roster id and name, else the entry's name."""
        if self.enrolled is None:
            return self.student
        return f"{self.enrolled.id} {self.enrolled.name}".strip()

    @property
    def counted_attempt(self) -> Graded | None:
        return self.late if self.counted_from == "late" else self.on_time if self.on_time else self.late

    @property
    def overrides(self) -> list[Override]:
        attempt = self.counted_attempt
        return [] if attempt is None else [c.override for c in attempt.checks if c.override is not None]

    def flags(self) -> list[str]:
        """Short words for a table: lateness, overrides, not in roster."""
        said = []
        if self.late is not None:
            counts = "counts" if self.counted_from == "late" else "not counted"
            said.append(f"late attempt {self.days_late} day{'s' * (self.days_late != 1)}: {self.late_how}; {counts}")
        if self.overrides:
            said.append(f"{len(self.overrides)} override{'s' * (len(self.overrides) != 1)}")
        if self.on_roster is False:
            said.append("not in roster")
        return said

    def summary(self, failed_listed: int = 5) -> str:
        """One line of feedback text (the CSV's ``feedback``, Moodle's feedback column): the counted
        score and how, the checks failed, and each override with its reason."""
        if self.status == "missing":
            return "No submission received."
        parts = [f"{self.counted:g}/{self.max_score:g}"]
        if self.late is not None:
            on_time = "none" if self.on_time is None else f"{self.on_time.score:g}"
            parts.append(f"late attempt ({self.late.late_because}): {self.late_how}; on-time grade {on_time}; "
                         f"the {self.counted_from} one counts")
        attempt = self.counted_attempt
        if attempt.problem:
            parts.append(" ".join(attempt.problem.split())[:200])
        failed = [f"{c.name} ({c.score:g}/{c.max_score:g})" for c in attempt.checks if c.score < c.max_score]
        if failed:
            more = f" and {len(failed) - failed_listed} more" if len(failed) > failed_listed else ""
            parts.append("failed: " + ", ".join(failed[:failed_listed]) + more)
        parts += [f"override {o.check}: {o.points:g} points ({o.reason})" for o in self.overrides]
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Overrides


def _check_maximum(book, exercise: str, check: str) -> float:
    names = book.check_names(exercise)
    if check not in names:
        raise unknown_name("check", check, names)
    return book.connection.execute("SELECT MAX(max_score) FROM check_results WHERE exercise=? AND name=?",
                                   (exercise, check)).fetchone()[0]


def resolve_student(book, exercise: str, student: str) -> str:
    """The class-folder entry name of ``student`` (that name, or a roster id) in ``exercise``."""
    graded = {row[0] for row in book.connection.execute("SELECT student FROM grades WHERE exercise=?", (exercise,))}
    if student in graded:
        return student
    by_id = {s.id: s.submission for s in stored_roster(book)}
    if student in by_id:
        return by_id[student]
    raise unknown_name("student", student, sorted(graded | set(by_id)))


def set_override(book, exercise: str, student: str, check: str, points: float, reason: str) -> Override:
    """Give ``student`` (an entry name or a roster id) ``points`` for ``check`` of ``exercise``,
    because of ``reason``; it replaces the student's earlier override of that check and survives
    every regrade. ``points`` from 0 to the check's maximum. One transaction."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidParameter("An override needs a reason (--reason \"…\"): the student's feedback shows it.",
                               "reason", "kit gradebook override")
    student = resolve_student(book, exercise, student)
    maximum = _check_maximum(book, exercise, check)
    if not 0 <= points <= maximum:
        raise InvalidParameter(f"The points of {check!r} must be from 0 to {maximum:g} (its maximum). Got {points:g} "
                               "instead.", "points", "kit gradebook override")
    from kit.grading.gradebook import now_iso

    made = Override(check, float(points), " ".join(reason.split()), now_iso())
    with book.transaction():
        book.connection.execute("INSERT OR REPLACE INTO overrides VALUES (?,?,?,?,?,?)",
                                (exercise, student, check, made.points, made.reason, made.made_at))
    return made


def remove_override(book, exercise: str, student: str, check: str) -> None:
    """Take back ``student``'s override of ``check`` (the autograder's points count again)."""
    student = resolve_student(book, exercise, student)
    with book.transaction():
        removed = book.connection.execute("DELETE FROM overrides WHERE exercise=? AND student=? AND check_name=?",
                                          (exercise, student, check)).rowcount
    if not removed:
        raise KitError(f"{student} has no override of {check!r} in {exercise}: nothing to remove.")


def overrides(book, exercise: str) -> dict:
    """``{student: {check: Override}}`` of one exercise."""
    found: dict = {}
    for student, check, points, reason, made in book.connection.execute(
            "SELECT student, check_name, points, reason, made_at FROM overrides WHERE exercise=?", (exercise,)):
        found.setdefault(student, {})[check] = Override(check, points, reason, made)
    return found


# ---------------------------------------------------------------------------------------------
# Standings


def _attempts(book, exercise: str, kept_overrides: dict) -> dict:
    """``{student: {late: Graded}}`` with overrides applied."""
    checks: dict = {}
    for student, late, name, score, maximum, visibility, message in book.connection.execute(
            "SELECT student, late, name, score, max_score, visibility, message FROM check_results WHERE exercise=? "
            "ORDER BY position", (exercise,)):
        override = kept_overrides.get(student, {}).get(name)
        counted = override.points if override is not None else score
        checks.setdefault((student, bool(late)), []).append(
            CheckLine(name, score, counted, maximum, visibility, message, override))
    found: dict = {}
    for row in book.connection.execute(
            "SELECT student, late, score, max_score, problem, submitted_at, time_source, late_because, graded_at, "
            "content_hash, report FROM grades WHERE exercise=?", (exercise,)):
        student, late, score, maximum, problem, submitted, source, because, graded, content, report = row
        lines = tuple(checks.get((student, bool(late)), ()))
        adjusted = round(score + sum(c.score - c.auto_score for c in lines), 6)
        found.setdefault(student, {})[bool(late)] = Graded(
            bool(late), score, adjusted, maximum, problem, submitted, source, because, graded, content,
            json.loads(report) if report else {}, lines)
    return found


def standings(book, exercise: str) -> list[Standing]:
    """Every student of ``exercise``: the roster's, in its order (a missing submission too), then
    the graded entries no roster row names, by name (all graded entries when there is no roster)."""
    deadline = Deadline.stored(book, exercise)
    attempts = _attempts(book, exercise, overrides(book, exercise))
    roster = stored_roster(book)
    maximum = max((g.max_score for both in attempts.values() for g in both.values()), default=0.0)
    named = {s.submission: s for s in roster}
    order = [s.submission for s in roster] + sorted(set(attempts) - set(named))
    rows = []
    for student in order:
        both = attempts.get(student, {})
        on_time, late = both.get(False), both.get(True)
        days, late_value, how = 0, None, ""
        if late is not None:
            days = days_late(from_iso(late.submitted_at), deadline.due if deadline else None)
            if deadline is not None:
                late_value, how = deadline.policy.apply(late.score, late.max_score, max(days, 1))
            else:  # a late attempt whose due date is gone: it counts as it is
                late_value, how = late.score, "no due date is kept: counts in full"
        candidates = [(g.score if g is on_time else late_value, name) for g, name in ((on_time, "on-time"),
                                                                                       (late, "late")) if g]
        counted, source = max(candidates, key=lambda pair: (pair[0], pair[1] == "on-time")) if candidates else \
            (0.0, "")
        rows.append(Standing(exercise, student, named.get(student), (student in named) if roster else None,
                             on_time, late, deadline, days, late_value, how, counted,
                             next((g.max_score for g in (on_time, late) if g), maximum), source))
    return rows
