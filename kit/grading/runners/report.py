"""Reports of a grade: a terminal table, JSON, and Gradescope's ``results.json``.

Every writer accepts whatever characters a submission put into its messages: lone surrogates
become U+FFFD (so the JSON is valid UTF-8 for any reader), a message longer than
``MESSAGE_CHARACTERS`` is cut, and the text table shows control characters as escapes (so a
message cannot move the cursor, clear the terminal or forge a "Total:" line). Every report
names the sandbox's isolation level (``isolation: container (…)``, :func:`isolation_line`); a
grade made without isolation also says so at the top of the text and Gradescope reports.

Example:
    >>> print(text(result))          # doctest: +SKIP
    >>> gradescope(result)["score"]  # doctest: +SKIP
"""

from __future__ import annotations

import html as _html
import json
import re
import textwrap
from typing import NamedTuple

from kit.grading.sandbox.child import LEVELS, describe_level
from kit.grading.runners.engine import GradeResult
from kit.grading.sandbox.protocol import clean_text

__all__ = ["FORMATS", "MESSAGE_CHARACTERS", "shown_points", "isolation_line", "isolation_warning", "text", "html",
           "as_json", "gradescope", "render"]

FORMATS = ("text", "json", "gradescope")
MESSAGE_CHARACTERS = 20_000  # a check's message is a few lines; a flood would bury the report
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # all but newline and tab
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(value, limit: int = MESSAGE_CHARACTERS) -> str:
    return clean_text(value if type(value) is str else str(value), limit)


def _visible(value, limit: int = MESSAGE_CHARACTERS, one_line: bool = False) -> str:
    """For a terminal: cleaned, and control characters (but newline and tab, unless
    ``one_line``) as escapes, so that no text can start a line of its own."""
    pattern = _CONTROL_OR_BREAK if one_line else _CONTROL
    return pattern.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), _clean(value, limit))


def shown_points(value: float) -> str:
    """Points as a reader wants them: at most two decimals, no trailing zeros (a third of 20
    points is ``6.67``, not ``6.66667``); the gradebook and results.json keep the exact value.

    Example:
        >>> shown_points(20 / 3), shown_points(10.0), shown_points(2.5)
        ('6.67', '10', '2.5')
    """
    return f"{round(float(value), 2):g}"


def _fraction(score: float, points: float) -> str:
    return f"{shown_points(score)}/{shown_points(points)}"


def isolation_line(result: GradeResult) -> str:
    """``isolation: LEVEL (what it means)``: the line every report carries."""
    level = result.isolation_level if result.isolation_level in LEVELS else "none"
    return f"isolation: {describe_level(level)}"


def isolation_warning(result: GradeResult) -> str:
    """One line saying the submission ran without isolation ('' when it was isolated)."""
    if result.isolated:
        return ""
    level = result.isolation_level if result.isolation_level in LEVELS else "none"
    return (f"WARNING: the sandbox could not isolate this submission (level {level}: "
            + "; ".join(map(_clean, result.isolation))
            + "): its code could read files and use the network, so this grade is not safe for marks. "
            "Grade as root in a container (docs/grading.md, Isolation).")


def text(result: GradeResult, width: int = 100) -> str:
    """A readable table: one line per check, failure messages indented under it (wrapped at
    ``width`` characters, never cut), then the total and what the hidden checks still test.

    Four cases read differently: a file that could not be read or imported is one block (the
    error, with the line Python points at), not the same failure under every check; a check that
    failed for the very reason an earlier one did (one time limit, one crash) points up to it
    instead of repeating the paragraph; a function
    that still raises the starter's ``NotImplementedError`` is one ``TODO`` line with its TODO,
    not one failure per check that needs it; a ``kit check`` ends with how many points are in
    hidden checks and what each tests in general terms.
    """
    rows = _rows(result)
    name_width = min(max((len(r.name) for r in rows), default=10), 48)
    lines = [f"{_visible(result.exercise, one_line=True)}: {_visible(result.submission, one_line=True)}"]
    if not result.isolated:
        lines.append(_visible(isolation_warning(result), one_line=True))
    lines.append("")
    if result.problem:
        lines += _problem_block(result, width)
    for r in rows:
        if r.mark == "TODO":
            lines.append(f"TODO  {_visible(r.name, one_line=True):<{name_width}}  {_fraction(r.score, r.max_score)}  "
                         f"({r.waiting} check{'s' * (r.waiting != 1)} wait for it)")
            lines += _wrapped(f"not implemented yet: {r.message}", width)
            continue
        lines.append(f"{r.mark}  {_visible(r.name, one_line=True):<{name_width}}  "
                     f"{_fraction(r.score, r.max_score)}{r.hidden}")
        if r.message:  # wrapped, never cut: the end of a message is often the fix
            lines += _wrapped(r.message, width)
    lines += ["", f"Total: {_fraction(result.score, result.max_score)}"]
    if result.not_run:
        points = sum(p for p, _ in result.not_run)
        lines += textwrap.wrap(f"{shown_points(points)} more points are in hidden checks, which `kit grade` and your "
                               "course's grader run (a visible pass is not yet full marks). What they test:", width)
        for p, description in result.not_run:
            lines += textwrap.wrap(f"- {_visible(description, one_line=True)} ({shown_points(p)} points)", width,
                                   initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False)
    lines += [f"Note: {_visible(note, one_line=True)}" for note in result.notes]
    lines.append(isolation_line(result))
    return "\n".join(lines)


class _Row(NamedTuple):
    mark: str  # PASS, PART, FAIL, or TODO for a function that still raises the starter's NotImplementedError
    name: str  # the check's name, or the unwritten function's
    score: float
    max_score: float
    hidden: str  # " [hidden]" for a check a student's kit check does not run, else ""
    message: str  # what to fix ("" for a pass); a cause said earlier is pointed at, not repeated
    waiting: int = 0  # a TODO row: how many checks wait for the function


def _rows(result: GradeResult) -> list[_Row]:
    """The rows :func:`text` and :func:`html` show, in the checks' order: one ``TODO`` row per
    unwritten function (at its first check), one row per other check; a failure whose message an
    earlier check already showed (one time limit, one crash) says so instead of repeating it."""
    todo = {name: group for group in result.not_implemented for name in group[2]}
    rows, shown, said = [], set(), {}
    for c in [] if result.problem else result.checks:
        if c.name in todo:
            function, message, names = todo[c.name]
            if function not in shown:
                shown.add(function)
                group = [other for other in result.checks if other.name in names]
                rows.append(_Row("TODO", function, sum(g.score for g in group), sum(g.max_score for g in group), "",
                                 message, len(group)))
            continue
        mark = "PASS" if c.passed else ("PART" if c.score > 0 else "FAIL")
        message = "" if c.passed or not c.message else c.message
        if message in said:
            message = f"(the same as for {said[message]} above)"
        elif message:
            said[message] = c.name
        rows.append(_Row(mark, c.name, c.score, c.max_score, "" if c.visibility == "visible" else f" [{c.visibility}]",
                         message))
    return rows


def _wrapped(message: str, width: int, indent: str = "      ") -> list[str]:
    lines = []
    for message_line in _visible(message).splitlines():
        lines += textwrap.wrap(message_line, width, initial_indent=indent, subsequent_indent=indent,
                               break_on_hyphens=False) or [""]
    return lines


def _problem_block(result: GradeResult, width: int) -> list[str]:
    """The file could not be used (read, imported, or it imports what the exercise forbids): one
    block, its first line wrapped, the traceback's lines as they are (the caret under the error
    must stay aligned)."""
    count = len(result.checks)
    if result.forbidden_imports:
        lines = [f"Your file imports what this exercise asks you to write yourself, so all {count} "
                 f"check{'s' * (count != 1)} score 0:"]
    else:
        lines = [f"Your file could not be {'imported' if result.problem.startswith('importing') else 'read'}, so "
                 f"none of the {count} check{'s' * (count != 1)} ran:"]
    first, *rest = _visible(result.problem).splitlines() or [""]
    lines += _wrapped(first, width)
    lines += [f"      {line}" for line in rest]
    lines.append("Fix this, then check again.")
    return lines


def html(result: GradeResult) -> str:
    """The same report as :func:`text`, as an HTML table for Jupyter: one row per check (one per
    unwritten function), the messages under their check, the total and the hidden points.

    Every text a submission can influence is escaped, so a message cannot add markup or script.
    """
    escape = lambda value: _html.escape(_clean(value))  # noqa: E731
    colours = {"PASS": "#1a7f37", "PART": "#9a6700", "FAIL": "#cf222e", "TODO": "#57606a"}
    rows = []

    def row(mark, name, points, message=""):
        note = f"<pre style='margin:0;white-space:pre-wrap'>{escape(message)}</pre>" if message else ""
        rows.append(f"<tr><td style='color:{colours[mark]};font-weight:bold'>{mark}</td><td>{escape(name)}</td>"
                    f"<td style='text-align:right'>{points}</td><td style='text-align:left'>{note}</td></tr>")

    for r in _rows(result):
        if r.mark == "TODO":
            row("TODO", r.name, _fraction(r.score, r.max_score),
                f"not implemented yet: {r.message} ({r.waiting} check{'s' * (r.waiting != 1)} wait for it)")
        else:
            row(r.mark, r.name + r.hidden, _fraction(r.score, r.max_score), r.message)
    parts = [f"<div class='kit-check'><p><b>{escape(result.exercise)}</b>: {escape(result.submission)}</p>"]
    if not result.isolated:
        parts.append(f"<p style='color:#cf222e'>{escape(isolation_warning(result))}</p>")
    if result.problem:
        block = "\n".join(_problem_block(result, 10_000))
        parts.append(f"<pre style='color:#cf222e'>{escape(block)}</pre>")
    if rows:
        parts.append("<table><thead><tr><th></th><th style='text-align:left'>check</th><th>points</th>"
                     "<th style='text-align:left'>what to fix</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
    parts.append(f"<p><b>Total: {_fraction(result.score, result.max_score)}</b></p>")
    if result.not_run:
        points = sum(p for p, _ in result.not_run)
        items = "".join(f"<li>{escape(d)} ({shown_points(p)} points)</li>" for p, d in result.not_run)
        parts.append(f"<p>{shown_points(points)} more points are in hidden checks, which <code>kit grade</code> and "
                     f"your course's grader run (a visible pass is not yet full marks). What they test:</p><ul>{items}</ul>")
    parts += [f"<p>Note: {escape(note)}</p>" for note in result.notes]
    parts.append(f"<p>{escape(isolation_line(result))}</p>")
    return "".join(parts) + "</div>"


def _cleaned(data):
    if type(data) is str:
        return _clean(data)
    if type(data) is dict:
        return {_clean(key): _cleaned(value) for key, value in data.items()}
    if type(data) in (list, tuple):
        return [_cleaned(item) for item in data]
    return data


def as_json(result: GradeResult) -> str:
    return json.dumps(_cleaned(result.as_dict()), indent=2)


def gradescope(result: GradeResult) -> dict:
    """Gradescope's results.json: hidden checks keep their visibility; messages in Markdown.

    A grade made without full isolation carries the warning in the top-level ``output`` (what
    the instructor sees first), not only in ``extra_data``.
    """
    tests = []
    for number, c in enumerate(result.checks, start=1):
        tests.append({
            "name": _clean(c.name), "number": str(number), "score": c.score, "max_score": c.max_score,
            "status": "passed" if c.passed else "failed", "output": _markdown(_clean(c.message)),
            "output_format": "md", "visibility": c.visibility, "tags": [], "extra_data": {},
        })
    output = f"{_clean(result.exercise)}: {_fraction(result.score, result.max_score)}\n\n{isolation_line(result)}"
    if not result.isolated:
        output += f"\n\n**{isolation_warning(result)}**"
    return {
        "score": result.score, "execution_time": round(result.seconds, 3),
        "output": output, "output_format": "md",
        "visibility": "visible", "stdout_visibility": "hidden",
        "extra_data": {"notes": [_clean(n) for n in result.notes], "isolated": result.isolated,
                       "isolation_level": result.isolation_level,
                       "isolation_problems": [_clean(p) for p in result.isolation]},
        "tests": tests, "leaderboard": [],
    }


def _markdown(message: str) -> str:
    return "\n".join(f"    {line}" for line in message.splitlines()) if message else ""


def render(result: GradeResult, format: str = "text") -> str:
    """The report in one of FORMATS, as a string that encodes to UTF-8 whatever the messages hold."""
    if format not in FORMATS:
        raise ValueError(f"The report format must be one of {FORMATS}. Got {format!r} instead.")
    if format == "text":
        return text(result)
    if format == "json":
        return as_json(result)
    return json.dumps(gradescope(result), indent=2)
