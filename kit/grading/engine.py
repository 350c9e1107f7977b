"""Grade one submission: read it, import it once in the sandbox, run the checks, total the points.

:func:`grade_submission` is what ``kit check``, ``kit grade`` and a batch runner call, one
submission at a time, reusing one long-lived zygote.

Example:
    >>> result = grade_submission("04", "exercises/04-derivatives/solution.py")  # doctest: +SKIP
    >>> result.score, result.max_score                                           # doctest: +SKIP
    (100.0, 100.0)
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from pathlib import Path

from kit.grading import exercises as exercise_folders
from kit.grading.checks import VISIBILITIES, CallFailed, Check, Outcome, Session
from kit.grading.limits import Limits
from kit.grading.submission import SubmissionError, read_source

IMPORT_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class CheckResult:
    name: str
    score: float
    max_score: float
    visibility: str
    message: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclasses.dataclass(frozen=True)
class GradeResult:
    """The grade of one submission: per-check results, totals, and how the sandbox ran it."""

    exercise: str
    submission: str
    checks: tuple
    seconds: float
    notes: tuple = ()
    calls: int = 0  # sandboxed calls made (one fork each)
    child_seconds: float = 0.0  # time those calls ran in the sandbox (the rest is the grader's)
    isolation: tuple = ()  # what the sandbox could not do while grading it; () = fully isolated

    @property
    def isolated(self) -> bool:
        """False when the submission's code ran without full isolation (see ``isolation``)."""
        return not self.isolation

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def as_dict(self, timings: bool = True) -> dict:
        """Plain data (for JSON); ``timings=False`` leaves out what varies between identical runs."""
        checks = []
        for c in self.checks:
            entry = dataclasses.asdict(c)
            if not timings:
                entry.pop("seconds")
            checks.append(entry)
        data = {"exercise": self.exercise, "submission": self.submission, "score": self.score,
                "max_score": self.max_score, "checks": checks, "notes": list(self.notes),
                "isolated": self.isolated, "isolation_problems": list(self.isolation)}
        if timings:
            data.update(seconds=round(self.seconds, 3), calls=self.calls, child_seconds=round(self.child_seconds, 3))
        return data


def _check_visibility(visibility) -> tuple:
    chosen = (visibility,) if isinstance(visibility, str) else tuple(visibility)
    unknown = [v for v in chosen if v not in VISIBILITIES]
    if unknown or not chosen:
        raise ValueError(f"visibility must be among {VISIBILITIES}. Got {visibility!r} instead.")
    return chosen


def _run_check(check, session: Session) -> CheckResult:
    started = time.monotonic()
    try:
        outcome = check(session)  # CheckFailed (CallFailed included) is already a failed Outcome
    except Exception:  # a bug in a check is the grader's: the student sees it named as such
        outcome = Outcome(0.0, "grader error in this check (not your fault; please report it): "
                               + traceback.format_exc(limit=3).strip().splitlines()[-1])
    message = outcome.message
    if outcome.fraction < 1 and check.feedback:
        message = f"{message}\nHint: {check.feedback}" if message else f"Hint: {check.feedback}"
    return CheckResult(check.name, round(check.points * outcome.fraction, 6), check.points, check.visibility, message,
                       time.monotonic() - started)


def grade_submission(exercise, path, visibility=VISIBILITIES, zygote=None, limits: Limits | None = None,
                     checks: list | None = None, require_isolation: bool | None = None) -> GradeResult:
    """Grade the file ``path`` (``.py`` or ``.ipynb``) against an exercise's checks.

    Args:
        exercise: number or slug (``4``, ``"04"``, ``"derivatives"``).
        path: the submission.
        visibility: which checks run: ``"visible"`` for ``kit check``, all for ``kit grade``.
        zygote: a started :class:`kit.grading.sandbox.Zygote` to reuse (a batch passes one);
            when None, one is started and closed here.
        limits: per-call limits; each check's own timeout is applied on top (the smaller wins).
        checks: the checks to run (default: the exercise's ``CHECKS``).
        require_isolation: True refuses to grade (:class:`kit.grading.sandbox.IsolationRequired`,
            before any of the submission's code runs) where the sandbox cannot isolate it, and
            discards a grade during which isolation failed; None reads ``KIT_REQUIRE_ISOLATION``.

    Never raises for anything the submission does; a file that cannot be read at all scores 0
    on every check with a message saying why. Without isolation the result says so
    (``result.isolated``, ``result.isolation``).
    """
    from kit.grading.sandbox import IsolationRequired, Zygote, isolation_required

    chosen = _check_visibility(visibility)
    require = isolation_required(require_isolation)
    found = exercise_folders.find(exercise)
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a kit.grading.Limits. Got {type(limits).__name__} instead.")
    if checks is not None and (not isinstance(checks, (list, tuple)) or not all(isinstance(c, Check) for c in checks)):
        raise TypeError("checks must be a list of kit.grading.checks.Check (or None for the exercise's own).")
    if zygote is not None and not isinstance(zygote, Zygote):
        raise TypeError(f"zygote must be a kit.grading.sandbox.Zygote (or None). Got {type(zygote).__name__} instead.")
    selected = [c for c in (checks if checks is not None else exercise_folders.load_checks(found))
                if c.visibility in chosen]
    started = time.monotonic()
    owned = zygote is None
    zygote = zygote or Zygote()
    try:
        if require:
            zygote.start()
            if zygote.isolation:
                raise IsolationRequired(zygote.isolation)
        try:
            source, filename = read_source(path)
        except SubmissionError as error:
            return _everything_failed(found, path, selected, str(error), started)
        session = Session(source, zygote, limits or Limits(), filename, visibility=chosen)
        try:
            session.run("names", {}, timeout=IMPORT_TIMEOUT)
        except CallFailed as failure:
            text = str(failure)
            text = text if text.startswith("importing") else f"importing your file {text}"
            results = None
        else:
            results = tuple(_run_check(check, session) for check in selected)
    finally:
        if owned:
            zygote.close()
    isolation = tuple(dict.fromkeys(zygote.isolation + session.notes))
    if require and isolation:
        raise IsolationRequired(isolation)
    notes = tuple(f"sandbox: {note} (see docs/grading.md)" for note in isolation)
    if results is None:
        return _everything_failed(found, path, selected, text, started, notes, isolation)
    return GradeResult(f"{found.id}-{found.slug}", str(path), results, time.monotonic() - started, notes,
                       len(session.calls), sum(seconds for _, seconds, _ in session.calls), isolation)


def _everything_failed(found, path, selected, message, started, notes=(), isolation=()) -> GradeResult:
    results = tuple(CheckResult(c.name, 0.0, c.points, c.visibility, message, 0.0) for c in selected)
    return GradeResult(f"{found.id}-{found.slug}", str(Path(path)), results, time.monotonic() - started, tuple(notes),
                       isolation=tuple(isolation))
