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
import re
import time
import traceback
from pathlib import Path

from kit.grading.authoring import exercises as exercise_folders
from kit.grading.authoring.checks import VISIBILITIES, CallFailed, Check, Outcome, Session
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.protocol import clean_text
from kit.grading.sandbox.submission import Submission, SubmissionError, read_submission, source_of

__all__ = ["IMPORT_TIMEOUT", "CheckResult", "GradeResult", "grade_submission", "unread_result"]

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
    # Why no check could run ('' when they ran): the file could not be read or imported. Every
    # check then scores 0 with this reason; the text report shows it once, `kit check` exits 2.
    problem: str = ""
    # ((function, its NotImplementedError message, (check names …)), …): the starter's TODOs the
    # report shows as one line per function instead of one failure per check.
    not_implemented: tuple = ()
    # ((points, public description), …) of the checks this grading did not run (hidden ones in a
    # `kit check`): the report says how many points remain and what they test in general.
    not_run: tuple = ()
    # How the sandbox isolated it (kit.grading.sandbox.child.LEVELS): "full", "container" or "none".
    isolation_level: str = "full"
    # The modules the submission imported that the exercise forbids (its FORBIDDEN_IMPORTS):
    # every check then scores 0 and ``problem`` says why, once.
    forbidden_imports: tuple = ()

    @property
    def isolated(self) -> bool:
        """False when the submission's code ran without isolation: at level ``none``, or with a
        step of its level missing (see ``isolation``)."""
        return not self.isolation and self.isolation_level != "none"

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
                "isolated": self.isolated, "isolation_level": self.isolation_level,
                "isolation_problems": list(self.isolation), "problem": self.problem,
                "not_implemented": [{"function": f, "message": m, "checks": list(names)}
                                    for f, m, names in self.not_implemented],
                "not_run": [{"points": p, "description": d} for p, d in self.not_run],
                "forbidden_imports": list(self.forbidden_imports)}
        if timings:
            data.update(seconds=round(self.seconds, 3), calls=self.calls, child_seconds=round(self.child_seconds, 3))
        return data


    @classmethod
    def from_dict(cls, data: dict) -> "GradeResult":
        """The inverse of :meth:`as_dict` (``timings=True``), for a grade made in another process.

        Example:
            >>> GradeResult.from_dict(result.as_dict()) == result   # doctest: +SKIP
            True
        """
        checks = tuple(CheckResult(c["name"], c["score"], c["max_score"], c["visibility"], c["message"],
                                   c.get("seconds", 0.0)) for c in data["checks"])
        # A row graded before the levels existed: no problem was full isolation, any other none.
        level = data.get("isolation_level") or ("full" if not data["isolation_problems"] else "none")
        return cls(data["exercise"], data["submission"], checks, data.get("seconds", 0.0), tuple(data["notes"]),
                   data.get("calls", 0), data.get("child_seconds", 0.0), tuple(data["isolation_problems"]),
                   data["problem"],
                   tuple((n["function"], n["message"], tuple(n["checks"])) for n in data["not_implemented"]),
                   tuple((n["points"], n["description"]) for n in data["not_run"]), level,
                   tuple(data.get("forbidden_imports", ())))


def _check_visibility(visibility) -> tuple:
    chosen = (visibility,) if isinstance(visibility, str) else tuple(visibility)
    unknown = [v for v in chosen if v not in VISIBILITIES]
    if unknown or not chosen:
        raise ValueError(f"visibility must be among {VISIBILITIES}. Got {visibility!r} instead.")
    return chosen


def _run_check(check, session: Session) -> CheckResult:
    return _judge(check, session)[0]


def _judge(check, session: Session) -> tuple[CheckResult, str | None]:
    """The check's result, and the function it failed on because that is not written yet (or None)."""
    started = time.monotonic()
    session.touched = []
    try:
        outcome = check(session)  # CheckFailed (CallFailed included) is already a failed Outcome
    except Exception:  # a bug in a check is the grader's: the student sees it named as such
        outcome = Outcome(0.0, "grader error in this check (not your fault; please report it): "
                               + traceback.format_exc(limit=3).strip().splitlines()[-1])
    message = outcome.message
    # A check that failed because a function it asked for raised NotImplementedError is the
    # starter's TODO, not a mistake: its hint (about a wrong answer) would mislead, so it is left out.
    todo = None
    if outcome.fraction < 1 and "NotImplementedError" in message:
        todo = next((f for f in session.touched if f in session.not_implemented), None)
    if outcome.fraction < 1 and check.feedback and todo is None:
        message = f"{message}\nHint: {check.feedback}" if message else f"Hint: {check.feedback}"
    return CheckResult(check.name, round(check.points * outcome.fraction, 6), check.points, check.visibility, message,
                       time.monotonic() - started), todo


def _not_run(every: list, chosen: tuple) -> tuple:
    return tuple((c.points, c.description or "(no public description)") for c in every if c.visibility not in chosen)


def _import_problem(failure: str, error, filename: str) -> str:
    """What the student reads when the file does not import: the message, and the part of the
    child's traceback that is in their file (where Python shows the line and a caret)."""
    text = failure if failure.startswith("importing") else f"importing your file {failure}"
    trace = error.get("traceback") if type(error) is dict else None
    if type(trace) is not str:
        return text
    # The child runs the file from its scratch folder: show the name the student knows.
    in_file = re.compile(r'File "(?:[^"\n]*/)?' + re.escape(filename) + '"')
    lines = [in_file.sub(f'File "{filename}"', line).rstrip() for line in clean_text(trace, 4000).splitlines()]
    start = next((i for i, line in enumerate(lines) if in_file.search(line)), None)
    if start is None:
        return text
    return text + "\n" + "\n".join(lines[start:])


def grade_submission(exercise, path, visibility=VISIBILITIES, zygote=None, limits: Limits | None = None,
                     checks: list | None = None, require_isolation: bool | None = None) -> GradeResult:
    """Grade the file ``path`` (``.py`` or ``.ipynb``) against an exercise's checks.

    Args:
        exercise: number or slug (``4``, ``"04"``, ``"derivatives"``).
        path: the submission: a file's path (read by
            :func:`kit.grading.sandbox.submission.read_submission`: never through a link, a regular file
            only) or a :class:`kit.grading.sandbox.submission.Submission` already read (a batch's).
        visibility: which checks run: ``"visible"`` for ``kit check``, all for ``kit grade``.
        zygote: a started :class:`kit.grading.sandbox.zygote.Zygote` to reuse (a batch passes one);
            when None, one is started and closed here.
        limits: per-call limits (default: the exercise's own, :func:`kit.grading.authoring.exercises.default_limits`);
            each check's own timeout is applied on top (the smaller wins).
        checks: the checks to run (default: the exercise's ``CHECKS``).
        require_isolation: True (or ``"container"``) refuses to grade
            (:class:`kit.grading.sandbox.zygote.IsolationRequired`, before any of the submission's code
            runs) where the sandbox isolates at level ``none`` or a step of its level fails, and
            discards a grade during which isolation failed; ``"full"`` refuses below ``full``
            too; None reads ``KIT_REQUIRE_ISOLATION``.

    Never raises for anything the submission does; a file that cannot be read at all scores 0
    on every check with a message saying why. The result names its isolation level
    (``result.isolation_level``) and, without isolation, says why (``result.isolated``,
    ``result.isolation``).
    """
    from kit.grading.sandbox.zygote import IsolationRequired, Zygote, meets, required_level

    chosen = _check_visibility(visibility)
    require = required_level(require_isolation)
    if not isinstance(path, (str, Path, Submission)):
        raise TypeError(f"path must be a str, a Path or a kit.grading.sandbox.submission.Submission. Got {path!r} of type "
                        f"{type(path).__name__} instead.")
    shown = path.path if isinstance(path, Submission) else str(path)
    found = exercise_folders.find(exercise)
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a kit.grading.Limits. Got {type(limits).__name__} instead.")
    if checks is not None and (not isinstance(checks, (list, tuple)) or not all(isinstance(c, Check) for c in checks)):
        raise TypeError("checks must be a list of kit.grading.authoring.checks.Check (or None for the exercise's own).")
    if zygote is not None and not isinstance(zygote, Zygote):
        raise TypeError(f"zygote must be a kit.grading.sandbox.zygote.Zygote (or None). Got {type(zygote).__name__} instead.")
    every = list(checks if checks is not None else exercise_folders.load_checks(found))
    rule = exercise_folders.forbidden_imports(found)
    selected = [c for c in every if c.visibility in chosen]
    not_run = _not_run(every, chosen) + exercise_folders.hidden_manifest(found)  # a release's left-out checks
    started = time.monotonic()
    owned = zygote is None
    zygote = zygote or Zygote(runtime=exercise_folders.runtime(found))
    try:
        if require:
            zygote.start()
            if not meets(zygote.level, zygote.isolation, require):
                raise IsolationRequired(zygote.isolation, zygote.level, require)
        try:
            submission = path if isinstance(path, Submission) else read_submission(path)
            source, filename = source_of(submission)
        except SubmissionError as error:
            return _everything_failed(found, shown, selected, str(error), started, not_run=not_run,
                                      level=_level_of(zygote))
        session = Session(source, zygote, limits or exercise_folders.default_limits(found), filename, visibility=chosen)
        forbidden = ()
        try:
            session.run("names", {}, timeout=IMPORT_TIMEOUT)
        except CallFailed as failure:
            text = _import_problem(str(failure), session.last_error, filename)
            results = None
        else:
            # A forbidden import at the file's top level: no check runs. One inside a function
            # shows when a check calls it: the checks' results are then discarded below.
            if rule is None or not rule.found(session.imports):
                graded = [_judge(check, session) for check in selected]
                results = tuple(result for result, _ in graded)
            forbidden = tuple(rule.found(session.imports)) if rule is not None else ()
            if forbidden:
                text, results = rule.message(forbidden), None
    finally:
        if owned:
            zygote.close()
    isolation = tuple(dict.fromkeys(zygote.isolation + session.notes))
    if not meets(zygote.level, isolation, require):
        raise IsolationRequired(isolation, zygote.level, require)
    notes = tuple(f"sandbox: {note} (see docs/grading.md)" for note in isolation)
    if results is None:
        return _everything_failed(found, shown, selected, text, started, notes, isolation, not_run, zygote.level,
                                  forbidden)
    todo = {}
    for (result, function) in graded:
        if function is not None:
            todo.setdefault(function, []).append(result.name)
    not_implemented = tuple((f, session.not_implemented[f], tuple(names)) for f, names in todo.items())
    return GradeResult(f"{found.id}-{found.slug}", shown, results, time.monotonic() - started, notes,
                       len(session.calls), sum(seconds for _, seconds, _ in session.calls), isolation,
                       not_implemented=not_implemented, not_run=not_run, isolation_level=zygote.level)


def unread_result(exercise, path, message: str, checks: list | None = None) -> GradeResult:
    """The grade of a submission that could not be read (``message``: why, one line, e.g. "could
    not read mallory.py: it is a symbolic link; submit the file itself"): every check 0 with that
    reason, as :func:`grade_submission` reports a file it cannot read; no sandbox is started.

    Example:
        >>> unread_result("04", "class/mallory.py", "could not read mallory.py: it is a symbolic link").score
        0.0
    """
    from kit.grading.sandbox.child import isolation_level
    from kit.grading.sandbox.zygote import default_hidden_paths

    found = exercise_folders.find(exercise)
    if not isinstance(message, str) or not message.strip():
        raise TypeError(f"message must be a non-empty str saying why. Got {message!r} instead.")
    every = list(checks if checks is not None else exercise_folders.load_checks(found))
    return _everything_failed(found, path, every, message, time.monotonic(),
                              not_run=exercise_folders.hidden_manifest(found),
                              level=isolation_level(default_hidden_paths())[0])


def _level_of(zygote) -> str:
    """The zygote's isolation level; for one not started (nothing ran), the cheap probe's."""
    if zygote.pid is not None:
        return zygote.level
    from kit.grading.sandbox.child import isolation_level

    return isolation_level(list(zygote.hide))[0]


def _everything_failed(found, path, selected, message, started, notes=(), isolation=(), not_run=(),
                       level="full", forbidden=()) -> GradeResult:
    results = tuple(CheckResult(c.name, 0.0, c.points, c.visibility, message, 0.0) for c in selected)
    return GradeResult(f"{found.id}-{found.slug}", str(Path(path)), results, time.monotonic() - started, tuple(notes),
                       isolation=tuple(isolation), problem=message, not_run=not_run, isolation_level=level,
                       forbidden_imports=tuple(forbidden))
