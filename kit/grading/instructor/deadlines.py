"""Due dates and late work: when a submission was made, whether it is a late attempt, and what a
late policy makes of a late attempt's score.

A submission's time is its file's modification time, or, in a student's folder, the time written
in ``timestamp.txt`` (:data:`TIMESTAMP_FILE`, as nbgrader's collected submissions carry one).
Past the due date, a file whose content differs from the on-time grade's is a **late attempt**:
graded and kept beside the on-time grade, never in its place. A changed file is late also when
its time says otherwise but a grading after the due date saw other content (a file time can be
set back; the content hash recorded at each grading cannot): it was changed after that grading.

Example:
    >>> policy = LatePolicy.parse("penalty=10,cap=80")
    >>> str(policy), policy.apply(95, 100, days=2)[0]
    ('penalty=10,cap=80', 75.0)
    >>> LatePolicy.parse("refuse").apply(95, 100, days=1)[0]
    0.0
"""

from __future__ import annotations

import dataclasses
import datetime
import math

from kit.errors import InvalidParameter

__all__ = ["TIMESTAMP_FILE", "DAY_SECONDS", "DEFAULT_POLICY", "UTC", "EXAMPLE_DUE", "parse_due", "parse_timestamp",
           "iso", "from_iso", "days_late", "LatePolicy", "Deadline", "deadline_in_force", "Attempt", "attempt_for"]

TIMESTAMP_FILE = "timestamp.txt"
"""In a student's folder: the submission's time (nbgrader writes ``2026-12-20 23:59:00.123456 UTC``)."""
DAY_SECONDS = 86_400
DEFAULT_POLICY = "refuse"
UTC = datetime.timezone.utc
EXAMPLE_DUE = "2026-12-20T23:59"


def _parse(text: str, naive_zone) -> datetime.datetime | None:
    cleaned = " ".join(str(text).split())
    if cleaned.upper().endswith(" UTC"):
        cleaned, naive_zone = cleaned[:-4], UTC
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    if len(cleaned) < 16:  # a date alone (or less): the time of day must be said
        return None
    try:
        moment = datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone) if naive_zone is UTC else moment.astimezone()
    return moment.astimezone(UTC)


def parse_due(text) -> datetime.datetime:
    """The due date ``text`` (ISO 8601 with the time of day: ``2026-12-20T23:59``, seconds, a
    ``Z`` or an offset such as ``+01:00`` optional; without one, the machine's local time) as an
    aware UTC datetime. A date without a time is refused: 23:59 or 00:00 is the instructor's call.

    Example:
        >>> parse_due("2026-12-20T23:59Z").isoformat()
        '2026-12-20T23:59:00+00:00'
        >>> parse_due("2026-12-20")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.InvalidParameter: The due date must be a date and a time of day, e.g. ... Got '2026-12-20' instead.
    """
    moment = _parse(text, None) if isinstance(text, str) else None
    if moment is None:
        raise InvalidParameter(f"The due date must be a date and a time of day, e.g. {EXAMPLE_DUE} (local time) or "
                               f"{EXAMPLE_DUE}+01:00. Got {text!r} instead.", "due", "kit grade-batch")
    return moment


def parse_timestamp(text: str) -> datetime.datetime | None:
    """The time in a ``timestamp.txt`` (nbgrader's ``2026-12-20 23:59:00.123456 UTC``, or any ISO
    8601 time; without a zone it is UTC, as nbgrader writes it), or None if it holds none."""
    return _parse(text.strip().splitlines()[0] if text.strip() else "", UTC)


def iso(moment: datetime.datetime | None) -> str:
    """``moment`` as stored in the gradebook: ISO 8601 in UTC to the second ('' for None)."""
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def days_late(submitted: datetime.datetime | None, due: datetime.datetime | None) -> int:
    """Days late, each day begun counting whole (a minute late is 1 day); 0 when on time or unknown.

    Example:
        >>> due = parse_due("2026-12-20T23:59Z")
        >>> days_late(parse_due("2026-12-21T00:00Z"), due), days_late(parse_due("2026-12-22T23:59Z"), due)
        (1, 2)
    """
    if submitted is None or due is None or submitted <= due:
        return 0
    return math.ceil((submitted - due).total_seconds() / DAY_SECONDS)


@dataclasses.dataclass(frozen=True)
class LatePolicy:
    """What a late attempt's score counts for: ``refuse`` (nothing: late work is graded and shown,
    and the on-time grade stands), or ``penalty`` percent of the maximum off per day late (each
    day begun), with the result capped at ``cap`` percent of the maximum (None: no cap)."""

    refuse: bool = True
    penalty: float = 0.0
    cap: float | None = None

    @classmethod
    def parse(cls, text) -> "LatePolicy":
        """``refuse``, or ``penalty=P``, ``cap=C`` or both, comma-separated (P, C: percent of the
        exercise's maximum, 0 to 100; ``penalty=0`` accepts late work in full)."""
        fix = ("Give 'refuse' (late work counts nothing), 'penalty=10' (10% of the maximum off per day late), "
               "'cap=50' (late work scores at most 50% of the maximum), or 'penalty=10,cap=50'.")
        if not isinstance(text, str) or not text.strip():
            raise InvalidParameter(f"The late policy must be a text. Got {text!r} instead. {fix}", "late_policy",
                                   "kit grade-batch")
        if text.strip() == "refuse":
            return cls()
        values: dict = {}
        for part in text.split(","):
            key, equals, value = part.strip().partition("=")
            try:
                number = float(value.strip().removesuffix("%")) if equals else math.nan
            except ValueError:
                number = math.nan
            if key not in ("penalty", "cap") or key in values or not 0 <= number <= 100:
                raise InvalidParameter(f"Unknown late policy {text!r} (at {part.strip()!r}). {fix}", "late_policy",
                                       "kit grade-batch")
            values[key] = number
        return cls(refuse=False, penalty=values.get("penalty", 0.0), cap=values.get("cap"))

    def __str__(self) -> str:
        if self.refuse:
            return "refuse"
        parts = [f"penalty={self.penalty:g}"] if self.penalty or self.cap is None else []
        return ",".join(parts + ([f"cap={self.cap:g}"] if self.cap is not None else []))

    def describe(self) -> str:
        """The policy in words, as the gradebook and the feedback files say it."""
        if self.refuse:
            return "late work is graded and shown but counts nothing"
        if self.penalty:
            said = [f"{self.penalty:g}% of the maximum off per day late, each day begun counting whole"]
        else:
            said = ["late work counts in full"] if self.cap is None else []
        if self.cap is not None:
            said.append(f"a late score counts at most {self.cap:g}% of the maximum")
        return "; ".join(said)

    def apply(self, score: float, max_score: float, days: int) -> tuple[float, str]:
        """(what a late attempt scoring ``score`` of ``max_score``, ``days`` late, counts for; how)."""
        if self.refuse:
            return 0.0, "late work is not accepted (policy refuse)"
        value, said = score, [f"{score:g}"]
        if self.penalty:
            value = max(0.0, score - self.penalty / 100 * max_score * days)
            said.append(f"− {days} day{'s' * (days != 1)} × {self.penalty:g}% of {max_score:g}")
        if self.cap is not None and value > self.cap / 100 * max_score:
            value = self.cap / 100 * max_score
            said.append(f"capped at {self.cap:g}%")
        value = round(value, 6)
        return value, f"{' '.join(said)} = {value:g}"


@dataclasses.dataclass(frozen=True)
class Deadline:
    """An exercise's due date (an aware datetime) and :class:`LatePolicy`, as the gradebook keeps
    them (table ``deadlines``: one row per exercise, replaced when a batch gives another)."""

    due: datetime.datetime
    policy: LatePolicy = LatePolicy()

    @classmethod
    def given(cls, due=None, late_policy=None) -> "Deadline | None":
        """The deadline a batch was given (None without ``due``); both are checked either way."""
        if late_policy is not None and not isinstance(late_policy, LatePolicy):
            late_policy = LatePolicy.parse(late_policy)
        if due is None:
            return None
        if not isinstance(due, datetime.datetime):
            due = parse_due(due)
        elif due.tzinfo is None:
            due = due.astimezone()
        return cls(due.astimezone(UTC), late_policy or LatePolicy())

    @classmethod
    def stored(cls, book, exercise: str) -> "Deadline | None":
        row = book.connection.execute("SELECT due, policy FROM deadlines WHERE exercise=?", (exercise,)).fetchone()
        return None if row is None else cls(from_iso(row[0]), LatePolicy.parse(row[1]))

    def store(self, book, exercise: str) -> None:
        with book.transaction():
            book.connection.execute("INSERT OR REPLACE INTO deadlines VALUES (?,?,?,?)",
                                    (exercise, iso(self.due), str(self.policy), iso(datetime.datetime.now(UTC))))

    def describe(self) -> str:
        return f"due {iso(self.due)}; late policy {self.policy} ({self.policy.describe()})"


def deadline_in_force(book, exercise: str, due=None, late_policy=None) -> Deadline | None:
    """The deadline a batch of ``exercise`` works with: the one given, else the gradebook's (with
    ``late_policy`` replacing its policy when given alone); None when there is none. A policy
    without any due date is refused: it would apply to nothing."""
    given = Deadline.given(due, late_policy)
    if given is not None:
        return given
    stored = Deadline.stored(book, exercise)
    if late_policy is not None:
        if stored is None:
            raise InvalidParameter(f"A late policy needs a due date, and the gradebook holds none for {exercise}. "
                                   f"Give --due too, e.g. --due {EXAMPLE_DUE}.", "late_policy", "kit grade-batch")
        return Deadline(stored.due, LatePolicy.parse(late_policy) if isinstance(late_policy, str) else late_policy)
    return stored


@dataclasses.dataclass(frozen=True)
class Attempt:
    """Which of a student's two grades a submission is: ``late`` or on time, ``submitted_at``
    (ISO UTC, '' when unknown), where that time came from, and why it is late ('' if not)."""

    late: bool = False
    submitted_at: str = ""
    time_source: str = ""
    late_because: str = ""


def attempt_for(content: str, submitted: datetime.datetime | None, time_source: str, due: datetime.datetime | None,
                recorded: dict) -> Attempt:
    """The attempt a submission with ``content`` (its hash), made at ``submitted``, is, given the
    due date and what the gradebook holds of the student: ``recorded`` maps ``late`` (bool) to that
    attempt's row (a dict with ``content_hash``, ``graded_at`` and the :class:`Attempt` fields).

    Without a due date every submission is the on-time one (it replaces the last, as before).
    With one: the content of a recorded attempt stays that attempt (with the time first recorded
    for it); other content is late when its time is past the due date, or when a grading after
    the due date saw other content (it changed after that grading, whatever its file time says);
    otherwise it is on time (a change before the due date replaces the on-time grade).

    Example:
        >>> due = parse_due("2026-12-20T23:59Z")
        >>> old = {"content_hash": "old", "graded_at": "2026-12-19T10:00:00+00:00"}
        >>> attempt_for("new", parse_due("2026-12-21T09:00Z"), "file time", due, {False: old}).late
        True
        >>> attempt_for("new", parse_due("2026-12-20T09:00Z"), "file time", due, {False: old}).late
        False
    """
    at = iso(submitted)
    if due is None:
        return Attempt(False, at, time_source)
    for late in (False, True):
        row = recorded.get(late)
        if row is not None and row["content_hash"] == content:
            return Attempt(late, row.get("submitted_at") or at, row.get("time_source") or time_source,
                           row.get("late_because", "") if late else "")
    if submitted is not None and submitted > due:
        return Attempt(True, at, time_source, f"submitted {at} ({time_source}), after the due date {iso(due)}")
    seen_after = [from_iso(row["graded_at"]) for row in recorded.values()
                  if row["graded_at"] and from_iso(row["graded_at"]) > due]
    if seen_after:
        last = max(seen_after)
        return Attempt(True, iso(last), f"changed after the grading of {iso(last)}",
                       f"its content changed after the grading of {iso(last)}, which was after the due date "
                       f"{iso(due)} (its {time_source or 'time'} says {at or 'nothing'})")
    return Attempt(False, at, time_source)
