"""Reports of a grade: a terminal table, JSON, and Gradescope's ``results.json``.

Example:
    >>> print(text(result))          # doctest: +SKIP
    >>> gradescope(result)["score"]  # doctest: +SKIP
"""

from __future__ import annotations

import json

from kit.grading.engine import GradeResult

FORMATS = ("text", "json", "gradescope")


def text(result: GradeResult, width: int = 100) -> str:
    """A readable table: one line per check, failure messages indented under it, then the total."""
    name_width = min(max((len(c.name) for c in result.checks), default=10), 48)
    lines = [f"{result.exercise}: {result.submission}", ""]
    for c in result.checks:
        mark = "PASS" if c.passed else ("PART" if c.score > 0 else "FAIL")
        hidden = "" if c.visibility == "visible" else f" [{c.visibility}]"
        lines.append(f"{mark}  {c.name:<{name_width}}  {c.score:g}/{c.max_score:g}{hidden}")
        if not c.passed and c.message:
            for message_line in c.message.splitlines():
                lines.append(f"      {message_line[:width]}")
    lines += ["", f"Total: {result.score:g}/{result.max_score:g}"]
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines)


def as_json(result: GradeResult) -> str:
    return json.dumps(result.as_dict(), indent=2)


def gradescope(result: GradeResult) -> dict:
    """Gradescope's results.json: hidden checks keep their visibility; messages in Markdown."""
    tests = []
    for number, c in enumerate(result.checks, start=1):
        tests.append({
            "name": c.name, "number": str(number), "score": c.score, "max_score": c.max_score,
            "status": "passed" if c.passed else "failed", "output": _markdown(c.message),
            "output_format": "md", "visibility": c.visibility, "tags": [], "extra_data": {},
        })
    return {
        "score": result.score, "execution_time": round(result.seconds, 3),
        "output": f"{result.exercise}: {result.score:g}/{result.max_score:g}", "output_format": "md",
        "visibility": "visible", "stdout_visibility": "hidden", "extra_data": {"notes": list(result.notes)},
        "tests": tests, "leaderboard": [],
    }


def _markdown(message: str) -> str:
    return "\n".join(f"    {line}" for line in message.splitlines()) if message else ""


def render(result: GradeResult, format: str = "text") -> str:
    """The report in one of FORMATS, as a string."""
    if format not in FORMATS:
        raise ValueError(f"The report format must be one of {FORMATS}. Got {format!r} instead.")
    if format == "text":
        return text(result)
    if format == "json":
        return as_json(result)
    return json.dumps(gradescope(result), indent=2)
