"""Reports of a grade: a terminal table, JSON, and Gradescope's ``results.json``.

Every writer accepts whatever characters a submission put into its messages: lone surrogates
become U+FFFD (so the JSON is valid UTF-8 for any reader), a message longer than
``MESSAGE_CHARACTERS`` is cut, and the text table shows control characters as escapes (so a
message cannot move the cursor, clear the terminal or forge a "Total:" line). A grade made
without full isolation says so at the top of the text and Gradescope reports.

Example:
    >>> print(text(result))          # doctest: +SKIP
    >>> gradescope(result)["score"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import textwrap
import re

from kit.grading.engine import GradeResult
from kit.grading.protocol import clean_text

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


def isolation_warning(result: GradeResult) -> str:
    """One line saying the submission ran without full isolation ('' when it was isolated)."""
    if result.isolated:
        return ""
    return ("WARNING: the sandbox could not isolate this submission (" + "; ".join(map(_clean, result.isolation))
            + "): its code could read files and use the network, so this grade is not safe for marks. "
            "Grade as root in a container (docs/grading.md, Isolation).")


def text(result: GradeResult, width: int = 100) -> str:
    """A readable table: one line per check, failure messages indented under it (wrapped at
    ``width`` characters), then the total."""
    name_width = min(max((len(c.name) for c in result.checks), default=10), 48)
    lines = [f"{_visible(result.exercise, one_line=True)}: {_visible(result.submission, one_line=True)}"]
    if not result.isolated:
        lines.append(_visible(isolation_warning(result), one_line=True))
    lines.append("")
    for c in result.checks:
        mark = "PASS" if c.passed else ("PART" if c.score > 0 else "FAIL")
        hidden = "" if c.visibility == "visible" else f" [{c.visibility}]"
        lines.append(f"{mark}  {_visible(c.name, one_line=True):<{name_width}}  {c.score:g}/{c.max_score:g}{hidden}")
        if not c.passed and c.message:  # wrapped, never cut: the end of a message is often the fix
            for message_line in _visible(c.message).splitlines():
                lines += textwrap.wrap(message_line, width, initial_indent="      ", subsequent_indent="      ",
                                       break_on_hyphens=False) or [""]
    lines += ["", f"Total: {result.score:g}/{result.max_score:g}"]
    lines += [f"Note: {_visible(note, one_line=True)}" for note in result.notes]
    return "\n".join(lines)


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
    output = f"{_clean(result.exercise)}: {result.score:g}/{result.max_score:g}"
    if not result.isolated:
        output += f"\n\n**{isolation_warning(result)}**"
    return {
        "score": result.score, "execution_time": round(result.seconds, 3),
        "output": output, "output_format": "md",
        "visibility": "visible", "stdout_visibility": "hidden",
        "extra_data": {"notes": [_clean(n) for n in result.notes], "isolated": result.isolated,
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
