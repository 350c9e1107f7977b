"""The checks API for exercise authors: named, weighted, visible or hidden judgements in the parent.

A check is a plain function of a :class:`Session` (the parent's view of one submission). It asks
the sandbox for plain data (``session.evaluate``, ``session.call``, ``session.build_model`` or
any driver) and judges it with the reference, the hidden data and the thresholds that never
leave the parent, with the asserts of :mod:`kit.grading.authoring.assertions`: a failed ``expect…`` is the
student's message; returning nothing means passed; ``partial(fraction, message)`` gives part
marks. A sandbox failure (timeout, crash, memory, output flood, missing function) raises
:class:`CallFailed` (a :class:`CheckFailed`), which costs this check only.

Example (an exercise's ``checks.py``, which imports all of it from the facade :mod:`kit.grading.authoring`):
    >>> import numpy as np
    >>> from kit.grading.authoring import check, expect_close
    >>> @check("double: values", points=2, feedback="double(x) must return 2·x.")
    ... def double_values(session):
    ...     answer = session.evaluate("double", {"grid": np.arange(5.0)})["grid"]
    ...     expect_close(answer, np.arange(5.0) * 2, rtol=1e-12, x=np.arange(5.0), on="On 0…4")
    >>> double_values.points
    2.0
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import Callable

import numpy as np

from kit.errors import FRACTION, NAME, POINTS, SECONDS, Function, Options
from kit.errors import check as check_value
from kit.grading.sandbox import protocol
from kit.grading.authoring.assertions import CheckFailed
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.limits import LIMIT_STATES, RESOURCE_ERRORS

__all__ = ["VISIBILITIES", "MESSAGE_CHARACTERS", "NAME_CHARACTERS", "MAX_WARNINGS", "FAILURE_TEXT", "CallFailed",
           "Outcome", "passed", "failed", "partial", "hidden_data", "EXPECTED_FILE", "ExpectedValues",
           "expected_values", "ImportRule", "Check", "check", "check_each", "Answer", "describe_failure", "raised",
           "where", "Session"]

VISIBILITIES = ("visible", "hidden", "after_due_date")
# What a student reads of a child's exception or refusal: enough for any real message (the child
# already cuts them at 2000 characters), never a 64 MB report.
MESSAGE_CHARACTERS = 2000
NAME_CHARACTERS = 200
MAX_WARNINGS = 50
FAILURE_TEXT = {
    "timeout": "ran past the time limit of {timeout:g} s (an endless loop, or something far too slow)",
    "cpu": "used more than its CPU-time limit of {cpu_seconds:g} s, so it was stopped (a busy loop, maybe in a "
           "thread)",
    "memory": "needed more than {memory_mb} MB of memory (the limit): look for a list or array that grows "
              "without end in a loop, or an array far larger than the input (results the size of x need only a "
              "few copies of x)",
    "processes": "kept starting processes ({tasks} processes and threads ran at once; a call may run "
                 "{processes}), so it was stopped: remove os.fork, subprocess and threading calls, above all in "
                 "a loop (the exercise needs none)",
    "output": "printed more than {output_kb} KB (the limit), so it was stopped: remove prints inside loops",
    "answer": "returned more than {result_mb} MB of data (the limit): return arrays the size of the input",
    "file_size": "wrote a file larger than {file_mb} MB (the limit), so it was stopped: write smaller files, or none",
    "signal": "crashed (the process was killed by {signal}): run the function on its own to see where",
    "exited": "ended the process (exit status {exit_code}) before answering: remove os._exit/sys.exit calls",
    "garbled": "gave an answer the grader could not read ({message}): return NumPy arrays or plain numbers, "
               "and never write into the grader's answer channel",
    "internal": "could not be run because of a grader problem ({message}); please report it",
}
"""What a student reads after the function's name when a call gave no answer, by the sandbox's
state (:data:`kit.grading.sandbox.zygote.STATES`); every number is the limit's own value, from
:class:`Limits`. Only ``internal`` is the grader's fault."""


class CallFailed(CheckFailed):
    """A sandboxed call produced no usable answer; the message is meant for the student."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A check's verdict: the share of its points earned (0 to 1) and a message for the student."""

    fraction: float
    message: str = ""

    def __post_init__(self):
        check_value(self.fraction, FRACTION, "fraction", "kit.grading.authoring.checks.Outcome")


def passed(message: str = "") -> Outcome:
    return Outcome(1.0, message)


def failed(message: str) -> Outcome:
    return Outcome(0.0, message)


def partial(fraction: float, message: str) -> Outcome:
    return Outcome(float(fraction), message)


def hidden_data(value):
    """Mark data only hidden checks use where it sits inside a structure visible checks use too:
    returns ``value`` unchanged here, and the student release (``kit release``) writes ``None``
    in its place, so that the data, its seeds and its numbers never ship.

    Example:
        >>> CASES = {"visible": {"relu": 1}, "hidden": hidden_data({"deep": 2})}
        >>> CASES["hidden"]
        {'deep': 2}
    """
    return value


EXPECTED_FILE = "expected.npz"  # beside a student release's checks.py: what its visible checks compare with


class ExpectedValues(collections.abc.Mapping):
    """The values visible checks compare with, by name (``str`` → ``np.ndarray``), so that the
    student release ships them as data, never the code that computes the answer.

    In the course's repository ``compute()`` (a function of the checks module, using its
    reference) makes them, once, on first use. The student release (``kit release``, see
    :mod:`kit.grading.release.public`) drops ``compute`` and everything only it uses, and reads the
    values from :data:`EXPECTED_FILE` beside its ``checks.py`` (written by the release from
    ``compute()``; loaded with ``allow_pickle=False``). Write it as
    ``EXPECTED = expected_values(_expected)``.

    Example:
        >>> EXPECTED = expected_values(lambda: {"double/grid": np.arange(3.0) * 2})
        >>> EXPECTED["double/grid"]
        array([0., 2., 4.])
    """

    def __init__(self, compute=None, path=None):
        if compute is None and path is None:
            raise TypeError("expected_values needs the function that computes the values (or, in a student "
                            "release, the checks module's path).")
        self.compute = compute
        self.path = path
        self._values = None

    def values_dict(self) -> dict:
        """Every value, computed (repository) or read (release), checked: ``str`` → numeric array."""
        if self._values is None:
            if self.compute is not None:
                values = self.compute()
            else:
                file = Path(self.path).resolve().parent / EXPECTED_FILE
                if not file.is_file():
                    raise FileNotFoundError(f"{file} is missing: the visible checks read their expected values "
                                            "from it. Rebuild the release with kit release.")
                with np.load(file, allow_pickle=False) as stored:
                    values = {name: stored[name] for name in stored.files}
            if type(values) is not dict or not all(
                    type(k) is str and type(v) is np.ndarray and v.dtype.kind in protocol.ALLOWED_KINDS
                    for k, v in values.items()):
                raise TypeError("expected values must be a dict of str → numeric np.ndarray.")
            self._values = values
        return self._values

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values_dict()[name]

    def __iter__(self):
        return iter(self.values_dict())

    def __len__(self) -> int:
        return len(self.values_dict())


def expected_values(compute=None, path=None) -> ExpectedValues:
    """See :class:`ExpectedValues`: ``compute`` in the repository; the release passes ``path``."""
    return ExpectedValues(compute, path)


@dataclasses.dataclass(frozen=True)
class ImportRule:
    """Modules a submission must not import, in an exercise that teaches writing it by hand
    (exercise 04: the kit, Keras, TensorFlow …; 02, 08, 09: ``kit.diagnostics``, which answers them).

    An exercise's ``checks.py`` declares it as ``FORBIDDEN_IMPORTS = ImportRule((…), why=…)``;
    every grading (``kit check`` and ``kit grade``) enforces it: the sandbox reports the modules
    the submission's own code imported (:mod:`kit.grading.sandbox.child`), and a submission that imported
    one of these (or a submodule) scores 0 on every check, with :meth:`message` stated once.
    ``allowed`` names exact modules that stay allowed: ``kit`` itself, so that a notebook can end
    with ``import kit; kit.check("04")`` (its submodules, ``kit.activations``, stay forbidden).

    Example:
        >>> rule = ImportRule(("kit", "scipy.special"), why="this exercise asks you to write it in NumPy",
        ...                   allowed=("kit",))
        >>> rule.found(["numpy", "kit", "scipy"]), rule.found(["numpy", "kit", "kit.activations", "scipy"])
        ([], ['kit.activations'])
        >>> rule.message(["kit.activations"])
        'this exercise asks you to write it in NumPy: your file imports kit.activations (remove that import).'
    """

    modules: tuple
    why: str
    allowed: tuple = ()

    def __post_init__(self):
        if not isinstance(self.modules, tuple) or not self.modules or \
                not all(isinstance(m, str) and m and not m.startswith(".") for m in self.modules):
            raise TypeError("ImportRule.modules must be a non-empty tuple of module names, e.g. ('kit', 'keras').")
        if not isinstance(self.why, str) or not self.why:
            raise TypeError("ImportRule.why must say what the exercise asks, e.g. 'this exercise asks you to write "
                            "it in NumPy'.")

    def forbids(self, module: str) -> bool:
        return module not in self.allowed and any(module == m or module.startswith(m + ".") for m in self.modules)

    def found(self, imported) -> list[str]:
        """The forbidden modules among ``imported``, most specific only (``kit.activations``, not ``kit`` too)."""
        hits = [m for m in dict.fromkeys(imported) if type(m) is str and self.forbids(m)]
        return [m for m in hits if not any(other.startswith(m + ".") for other in hits)]

    def message(self, found) -> str:
        names = ", ".join(found)
        those = "that import" if len(found) == 1 else "those imports"
        return f"{self.why}: your file imports {names} (remove {those})."


@dataclasses.dataclass(frozen=True)
class Check:
    """One graded judgement.

    Attributes:
        name: shown in every report (unique within an exercise).
        points: the most it can earn.
        function: ``function(session)``, run in the trusted parent: returns None (passed) or an
            :class:`Outcome`, or raises :class:`CheckFailed` (0 points, its message).
        visibility: ``visible`` (``kit check`` runs it), ``hidden`` or ``after_due_date``
            (``kit grade`` only; the Gradescope report carries the visibility).
        timeout: wall-clock seconds for each sandboxed call it makes.
        feedback: a hint appended when it fails (the likely mistake, never hidden data).
        description: what the check tests, in general terms (never its data): ``kit check``
            lists it for every hidden check it did not run, so that a visible pass is never
            mistaken for done. Required for hidden checks (the exercise tests say so).
    """

    name: str
    points: float
    function: Callable
    visibility: str = "visible"
    timeout: float = 10.0
    feedback: str = ""
    description: str = ""

    def __post_init__(self):
        check_value(self.name, NAME, "name", "kit.grading.authoring.checks.Check")
        owner = f"check {self.name!r}"
        check_value(self.points, POINTS, "points", owner)
        object.__setattr__(self, "points", float(self.points))
        check_value(self.visibility, Options(*VISIBILITIES), "visibility", owner)
        check_value(self.timeout, SECONDS, "timeout", owner)
        check_value(self.function, Function(), "function", owner, "Pass function(session), as @check does.")

    def __call__(self, session) -> Outcome:
        """The verdict: None → passed, CheckFailed → failed with its message, an Outcome as it is."""
        try:
            outcome = self.function(session)
        except CheckFailed as failure:
            return Outcome(0.0, str(failure))
        if outcome is None:
            return passed()
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check {self.name!r} returned {type(outcome).__name__}; return None (passed), "
                            "partial(...) or raise CheckFailed (expect_…).")
        return outcome


def check(name: str, points: float, visibility: str = "visible", timeout: float = 10.0, feedback: str = "",
          description: str = ""):
    """Decorator: turn ``function(session)`` (asserts with ``expect…``; None = passed) into a :class:`Check`."""

    def wrap(function):
        return Check(name, points, function, visibility, timeout, feedback, description)

    return wrap


def check_each(parameters, name: str, points: float, visibility: str = "visible", timeout: float = 10.0,
               feedback: str = "", description: str = ""):
    """Decorator: one :class:`Check` per parameter from ``function(session, parameter)``.

    ``name``, ``feedback`` and ``description`` are formatted with the parameter (``"{}: values"``).

    Example:
        >>> @check_each(("relu", "tanh"), "{}: values", points=4)
        ... def values(session, function):
        ...     pass
        >>> [c.name for c in values]
        ['relu: values', 'tanh: values']
    """

    def wrap(function):
        return [Check(name.format(parameter), points, functools.partial(function, parameter=parameter),
                      visibility, timeout, feedback.format(parameter), description.format(parameter))
                for parameter in parameters]

    return wrap


@dataclasses.dataclass(frozen=True)
class Answer:
    """What a submission's function returned for one input, re-validated in the parent.

    ``value`` is a plain ``np.ndarray`` (or None with ``problem`` saying why); dtype and shape
    are read from that array, never from the child's claims.
    """

    value: np.ndarray | None
    type_name: str = ""
    problem: str = ""
    error: str = ""
    warnings: tuple = ()
    error_type: str = ""

    @classmethod
    def from_plain(cls, data, function: str) -> "Answer":
        """The child's description of one return value (see ``kit.grading.sandbox.drivers.describe_value``)
        → an Answer. Total: any other data becomes an Answer whose ``failure`` says so."""
        if type(data) is not dict:
            return cls(None, problem=f"{function} gave the grader no answer it could read")
        error = data.get("error")
        if error is not None:
            if type(error) is not dict:
                return cls(None, problem=f"{function} gave the grader no answer it could read")
            return cls(None, error=raised(function, error), error_type=_text(error.get("type"), "?", NAME_CHARACTERS))
        value = data.get("value")
        raw_warnings = data.get("warnings")
        warnings = tuple(_text(w, "", 200) for w in raw_warnings[:MAX_WARNINGS] if type(w) is str) \
            if type(raw_warnings) is list else ()
        type_name = _text(data.get("type"), "?", NAME_CHARACTERS)
        if type(value) is not np.ndarray or value.dtype.kind not in protocol.ALLOWED_KINDS:
            problem = _text(data.get("problem"), "is not an array", MESSAGE_CHARACTERS)
            return cls(None, type_name, f"{function} returned a {type_name} that {problem}", warnings=warnings)
        return cls(value, type_name, warnings=warnings)

    @property
    def failure(self) -> str:
        """Why there is no value to compare ('' when there is one)."""
        return self.error or self.problem

    def raised(self, *exception_names: str) -> bool:
        """True when the call raised one of these exceptions (by class name, e.g. ``"ValueError"``).

        For checks such as "bad input raises ValueError": the parent sees names, never objects.
        """
        return bool(self.error_type) and self.error_type in exception_names

    def overflow_warnings(self) -> list[str]:
        """The floating-point warnings that mean a wrong or unstable computation (not underflow)."""
        return [w for w in self.warnings if "overflow" in w or "invalid value" in w or "divide by zero" in w]

    def mismatch(self, expected, rtol: float, atol: float = 0.0, x=None, reveal: bool = True, where=None) -> str:
        """'' when the value matches ``expected`` within tolerance, else what is wrong.

        With ``reveal`` the message names the worst input, the value got and the value
        expected; without (hidden checks) only the size and count of the errors. ``where`` (a
        boolean mask of ``expected``'s shape) limits the comparison to those elements.
        """
        if self.failure:
            return self.failure
        expected = np.asarray(expected)
        got = self.value
        if got.shape != expected.shape:
            return f"returned shape {got.shape}, expected {expected.shape} (the input's shape)"
        if where is not None:
            where = np.broadcast_to(np.asarray(where, dtype=bool), expected.shape)
            got, expected = got[where], expected[where]
            x = np.broadcast_to(np.asarray(x), where.shape)[where] if x is not None else None
        got64 = got.astype(np.float64)
        finite = np.isfinite(got64)
        if not finite.all():
            bad = int((~finite).sum())
            where = f" (first at x = {np.asarray(x).reshape(-1)[np.argmax(~finite.reshape(-1))]:g})" if reveal and x is not None else ""
            return f"returned {bad} NaN or infinite value(s){where}"
        error = np.abs(got64 - expected)
        outside = error > atol + rtol * np.abs(expected)
        if not outside.any():
            return ""
        index = int(np.argmax(np.where(outside, error, -1).reshape(-1)))
        relative = error.reshape(-1)[index] / max(abs(expected.reshape(-1)[index]), 1e-300)
        text = (f"{int(outside.sum())} of {outside.size} values outside tolerance; "
                f"max abs error {error.reshape(-1)[index]:.3g} (relative {relative:.3g})")
        if reveal:
            place = f"x = {np.asarray(x).reshape(-1)[index]:.6g}" if x is not None else f"index {np.unravel_index(index, got.shape)}"
            text += f" at {place}: got {got64.reshape(-1)[index]:.8g}, expected {expected.reshape(-1)[index]:.8g}"
        return text


def describe_failure(state: str, details: dict, limits: Limits, error: dict | None = None) -> str:
    """The student-facing sentence for a call that gave no answer (see FAILURE_TEXT).

    Total: ``details`` and ``error`` come from the sandbox, so any field may hold any plain value;
    what is not the expected type reads as unknown, and text is cleaned and shortened.
    """
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be a kit.grading.Limits. Got {type(limits).__name__} instead.")
    details = details if type(details) is dict else {}
    state = _text(state, "internal", NAME_CHARACTERS)
    if type(error) is dict and state not in LIMIT_STATES:
        kind = _text(error.get("type"), "Error", NAME_CHARACTERS)
        if _text(error.get("stage"), "", NAME_CHARACTERS) == "import":
            return raised("importing your file", error)
        if kind in RESOURCE_ERRORS["memory"]:  # the submission's own, unless the keeper measured the limit
            return raised("", error) + f" (a call may use {limits.memory_mb} MB of memory)"
        return raised("", error)
    if error is not None and state not in LIMIT_STATES:  # an error report that is not a dict: malformed
        return FAILURE_TEXT["garbled"].format(message="its error report is malformed")
    template = FAILURE_TEXT.get(state, "failed ({state})")
    exit_code = details.get("exit_code")
    tasks = details.get("tasks_peak")
    values = dict(limits.as_dict(), cpu_seconds=limits.cpu_seconds, tasks=tasks if type(tasks) is int else "?",
                  signal=_text(details.get("signal"), "?", NAME_CHARACTERS),
                  exit_code=exit_code if type(exit_code) is int else "?",
                  message=_text(details.get("message"), state, MESSAGE_CHARACTERS), state=state)
    return template.format(**values)


def raised(who: str, error, reveal: bool = True, limit: int = MESSAGE_CHARACTERS) -> str:
    """The sentence for an exception the submission raised, from the child's plain report
    (:func:`kit.grading.sandbox.drivers.error_info`): "``who`` raised TypeError: message", then where in
    the student's file it was raised (file, line, function and that line's text), and what called
    it there. With ``reveal`` False (a hidden check whose message could quote hidden data) the
    message is left out; the place in the student's own file is always shown.

    Total: ``error`` comes from the sandbox, so any field may hold any plain value.

    Example:
        >>> raised("f", {"type": "ZeroDivisionError", "message": "division by zero", "where": [
        ...     {"file": "mine.py", "line": 9, "function": "f", "text": "return g(x)"},
        ...     {"file": "mine.py", "line": 3, "function": "g", "text": "return 1 / x"}]})
        'f raised ZeroDivisionError: division by zero, at mine.py line 3, in g: `return 1 / x` (called from line 9, in f)'
    """
    error = error if type(error) is dict else {}
    kind = _text(error.get("type"), "?", NAME_CHARACTERS)
    message = _text(error.get("message"), "", limit) if reveal else ""
    text = f"{who} raised {kind}: {message}".rstrip(": ") if who else f"raised {kind}: {message}".rstrip(": ")
    return text + where(error)


def where(error) -> str:
    """``, at FILE line N, in FUNCTION: `TEXT` (called from line M, in CALLER)`` from an error's
    ``where`` frames (deepest last); '' when none of its frames is in the student's file."""
    frames = error.get("where") if type(error) is dict else None
    frames = [f for f in frames[-3:] if type(f) is dict and type(f.get("line")) is int and f["line"] > 0] \
        if type(frames) is list else []
    if not frames:
        return ""
    last = frames[-1]
    text = _text(last.get("text"), "", 200)
    found = (f", at {_text(last.get('file'), 'your file', NAME_CHARACTERS)} line {last['line']}, "
             f"in {_text(last.get('function'), '?', NAME_CHARACTERS)}" + (f": `{text}`" if text else ""))
    callers = [f"line {f['line']}, in {_text(f.get('function'), '?', NAME_CHARACTERS)}" for f in reversed(frames[:-1])]
    return found + (f" (called from {'; '.join(callers)})" if callers else "")


def _text(value, default: str, limit: int) -> str:
    """A str field from the sandbox, cleaned for any UTF-8 writer; ``default`` when it is not a str."""
    return protocol.clean_text(value, limit) if type(value) is str else default


def _not_implemented(value, depth: int = 2):
    """The message of a NotImplementedError in a driver's answer (``{"error": {"type", "message"}}``
    at the top or one level down, as ``call``, ``evaluate`` and ``call_cases`` report them), else None."""
    if type(value) is not dict:
        return None
    error = value.get("error")
    if type(error) is dict and _text(error.get("type"), "", NAME_CHARACTERS) == "NotImplementedError":
        return _text(error.get("message"), "", MESSAGE_CHARACTERS)
    if depth > 1:
        for item in value.values():
            found = _not_implemented(item, depth - 1)
            if found is not None:
                return found
    return None


class Session:
    """The parent's view of one submission: runs drivers in the sandbox, memoises their answers.

    Identical requests (same driver, same arguments) run once per submission, so several checks
    can judge one call; a failed call fails every check that needs it, and only those.
    """

    def __init__(self, source: str, zygote, limits: Limits | None = None, filename: str = "submission.py",
                 visibility=VISIBILITIES):
        self.source = source
        self.filename = filename
        self.zygote = zygote
        self.limits = limits or Limits()
        # Which checks this grading runs: inputs meant for hidden checks are sent to the child
        # only when hidden checks run (a `kit check` never hands them to the submission).
        self.sends_hidden = any(v != "visible" for v in ((visibility,) if isinstance(visibility, str) else visibility))
        self.calls = []  # (driver, seconds, state): for reports and benchmarks
        self.notes = []  # what the sandbox could not do (e.g. no namespaces in this container)
        # The functions that raised NotImplementedError (the starter's TODOs) → that message, and
        # the functions the running check asked for: a report shows one line per unwritten function.
        self.not_implemented = {}
        self.touched = []
        self.last_error = None  # the error report of the last call that failed (its traceback)
        self.imports = {}  # the modules the submission's code imported, in any call (an ordered set)
        self._memo = {}
        self._prepared = {}  # memo's: function → (True, its result) or (False, the CheckFailed it raised)

    def memo(self, function: Callable):
        """``function(session)`` computed once per submission, so that several checks can judge one
        preparation (asking the child once): its result, or the :class:`CheckFailed` it raised (a
        sandbox's :class:`CallFailed` included) raised again, anew, by every check that asks.
        ``function`` is the key: pass a module-level function, not a lambda made per call.

        Example (an exercise's ``checks.py``)::

            def prepare(session) -> Submission:
                return session.memo(_prepare)  # _prepare(session) asks the child, checks, or fails
        """
        if not callable(function):
            raise TypeError(f"Session.memo needs a function of the session. Got {type(function).__name__} instead.")
        if function not in self._prepared:
            try:
                self._prepared[function] = (True, function(self))
            except CheckFailed as failure:
                self._prepared[function] = (False, failure)
        ok, outcome = self._prepared[function]
        if not ok:
            raise type(outcome)(str(outcome))
        return outcome

    def run(self, driver: str, arguments: dict, timeout: float | None = None):
        """The driver's plain-data answer, or CallFailed with a message for the student."""
        limits = self.limits.capped(timeout)
        key = hashlib.sha256(driver.encode() + b"\0" + protocol.encode(arguments)).hexdigest()
        function = arguments.get("function") if type(arguments.get("function")) is str else None
        if function:
            self.touched.append(function)
        if key not in self._memo:
            outcome = self.zygote.call(self.source, driver, arguments, limits, filename=self.filename)
            todo = _not_implemented(outcome.value if outcome.ok else {"error": outcome.error})
            if function and todo is not None:
                self.not_implemented.setdefault(function, todo)
            self.calls.append((driver, outcome.seconds, outcome.state))
            self.imports.update(dict.fromkeys(getattr(outcome, "imports", ())))
            notes = outcome.details.get("notes") if type(outcome.details) is dict else None
            for note in notes if type(notes) is list else []:
                note = _text(note, "", MESSAGE_CHARACTERS)
                if note and note not in self.notes:
                    self.notes.append(note)
            if outcome.ok:
                self._memo[key] = (True, outcome.value, outcome.output)
            else:
                self.last_error = outcome.error if type(outcome.error) is dict else None
                self._memo[key] = (False, describe_failure(outcome.state, outcome.details, limits, outcome.error),
                                   outcome.output)
        ok, value, _ = self._memo[key]
        if not ok:
            raise CallFailed(value)
        return value

    def evaluate(self, function: str, cases: dict, keywords: dict | None = None, timeout: float | None = None,
                 case_keywords: dict | None = None, hidden: dict | None = None) -> dict[str, Answer]:
        """``function(x, **keywords)`` for every named input x, as :class:`Answer` objects.

        ``hidden`` holds the inputs only hidden checks may see: they join the same sandboxed call
        when this session runs hidden checks, and are never sent otherwise (then their names
        are absent from the result). Give every check of one function the same ``cases`` and
        ``hidden``, so that one call serves them all.
        """
        if hidden and self.sends_hidden:
            clash = set(cases) & set(hidden)
            if clash:
                raise ValueError(f"inputs {sorted(clash)} are named both in cases and in hidden.")
            cases = {**cases, **hidden}
        arguments = {"function": function, "cases": cases, "keywords": keywords or {},
                     "case_keywords": {k: v for k, v in (case_keywords or {}).items() if k in cases}}
        try:
            plain = self.run("evaluate", arguments, timeout)
        except CallFailed as failure:
            raise CallFailed(f"{function} {failure}") from None
        if type(plain) is not dict:
            raise CallFailed(f"{function} gave the grader no answer it could read")
        return {name: Answer.from_plain(plain.get(name), function) for name in cases}

    def call(self, function: str, *args, timeout: float | None = None, **keywords) -> Answer:
        """``function(*args, **keywords)`` once (plain arguments), as an :class:`Answer`."""
        try:
            plain = self.run("call", {"function": function, "args": list(args), "keywords": keywords}, timeout)
        except CallFailed as failure:
            raise CallFailed(f"{function} {failure}") from None
        return Answer.from_plain(plain, function)

    def plain(self, function: str, *args, timeout: float | None = None, **keywords):
        """``function(*args, **keywords)`` when it returns plain data (a recipe dict, a list of
        feature names …): that value, re-checked by the protocol; CallFailed otherwise."""
        try:
            answer = self.run("call", {"function": function, "args": list(args), "keywords": keywords}, timeout)
        except CallFailed as failure:
            raise CallFailed(f"{function} {failure}") from None
        if type(answer) is not dict:
            raise CallFailed(f"{function} gave the grader no answer it could read")
        if type(answer.get("error")) is dict:
            error = answer["error"]
            raise CallFailed(raised(function, error))
        if "plain" not in answer:
            raise CallFailed(f"{function} returned a {answer.get('type', '?')}, expected plain data "
                             "(dict, list, str, int, float, bool or None)")
        return answer["plain"]

    def build_model(self, function: str = "build_model", *args, timeout: float | None = None, **keywords):
        """The submission's model, rebuilt in the parent with ``kit.builders`` (see kit.grading.sandbox.model_transfer)."""
        from kit.grading.sandbox import model_transfer as models

        try:
            plain = self.run("build_model", {"function": function, "args": list(args), "keywords": keywords}, timeout)
        except CallFailed as failure:
            raise CallFailed(f"{function} {failure}") from None
        try:
            return models.rebuild(plain, plain.get("weights") if type(plain) is dict else None)
        except models.ModelRejected as rejected:
            raise CallFailed(f"{function}: {rejected}") from None
