"""The gradebook for others to read: a CSV for a spreadsheet, Canvas's and Moodle's gradebook
import layouts, and one feedback file per student (HTML and Markdown).

Every number comes from :func:`kit.grading.instructor.standing.standings` (overrides and the late
policy applied), so the table, the CSVs and the feedback files never disagree.

- ``kit`` CSV: one row per exercise and student (roster students without a submission too):
  :data:`KIT_COLUMNS`, then each check's points.
- ``canvas``: Canvas's gradebook layout (the columns of its own export, which its import reads):
  ``Student, ID, SIS User ID, SIS Login ID, Section``, one column per exercise, and the
  ``Points Possible`` row under the header. The roster's ``id`` is the SIS User ID (Canvas's own
  ``ID`` is left empty: Canvas matches a row by any of them), its ``login`` (else the email) the
  SIS Login ID. A new column name makes Canvas create an assignment; to fill an existing one,
  rename the column as Canvas's export names it (``Name (123456)``).
- ``moodle``: ``First name, Last name, ID number, Email address``, then per exercise a grade
  column and a ``… (feedback)`` column; on import, map *Email address* (or *ID number*) to the
  user, each grade column to its grade item and the feedback column to its feedback.

The LMS files hold the roster's students only (an LMS matches rows to enrolled students: an entry
not in the roster is left out and named in the answer), and leave a missing student's cells
empty, so the LMS's own missing-work rule applies. All files are UTF-8 with a BOM (spreadsheets
then read accents right); a text cell starting with ``=``, ``+``, ``-`` or ``@`` gets a leading
``'``, so that no student-chosen name runs as a spreadsheet formula.

Example:
    >>> write_csv(book, "grades.csv", "canvas")                  # doctest: +SKIP
    (12, [])
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

from kit.errors import InvalidParameter, KitError, output_folder, writing
from kit.grading.instructor.standing import standings

__all__ = ["FORMATS", "KIT_COLUMNS", "CANVAS_COLUMNS", "MOODLE_COLUMNS", "write_csv", "write_feedback"]

FORMATS = ("kit", "canvas", "moodle")
KIT_COLUMNS = ("exercise", "student", "id", "name", "email", "section", "status", "in_roster", "submitted_at",
               "days_late", "score", "max_score", "on_time_score", "late_score", "overrides", "problem", "feedback")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    """A text cell that no spreadsheet runs as a formula."""
    text = " ".join(str(value).split())
    return "'" + text if text.startswith(_FORMULA_START) else text


def _points(value) -> str:
    return "" if value is None else f"{round(value, 6):g}"


def _all(book, exercises: list[str] | None) -> dict:
    chosen = book.exercises() if exercises is None else exercises
    return {exercise: standings(book, exercise) for exercise in chosen}


def _write(path, header: list, rows: list) -> None:
    with writing(path, "the CSV"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)


def write_csv(book, path, format: str = "kit", exercises: list[str] | None = None) -> tuple[int, list[str]]:
    """Write the gradebook's ``exercises`` (default all) to the CSV ``path`` in ``format`` (one of
    :data:`FORMATS`, see the module docstring); returns (rows written, students left out)."""
    if format not in FORMATS:
        raise InvalidParameter(f"The CSV format must be one of {', '.join(FORMATS)}. Got {format!r} instead.",
                               "format", "kit gradebook")
    every = _all(book, exercises)
    if format == "kit":
        return _kit_csv(book, path, every), []
    rows = [row for table in every.values() for row in table]
    if not any(row.on_roster is not None for row in rows):
        raise KitError(f"A {format.capitalize()} file needs the class roster, to match each row to an enrolled "
                       "student: give --roster roster.csv (id, name, email columns) once.")
    left_out = sorted({row.student for row in rows if row.on_roster is False})
    students = list(dict.fromkeys(row.enrolled for row in rows if row.enrolled is not None))
    by = {(row.exercise, row.enrolled.id): row for row in rows if row.enrolled is not None}
    if format == "canvas":
        header = list(CANVAS_COLUMNS) + list(every)
        possible = ["Points Possible", "", "", "", ""] + [_points(max((r.max_score for r in table), default=0))
                                                          for table in every.values()]
        body = [[_text(s.name), "", _text(s.id), _text(s.login or s.email), _text(s.section)]
                + [_counted(by.get((exercise, s.id))) for exercise in every] for s in students]
        _write(path, header, [possible] + body)
    else:
        header = list(MOODLE_COLUMNS) + [name for exercise in every for name in (exercise, f"{exercise} (feedback)")]
        body = []
        for s in students:
            cells = [_text(part) for part in s.first_and_last] + [_text(s.id), _text(s.email)]
            for exercise in every:
                row = by.get((exercise, s.id))
                cells += [_counted(row), "" if row is None or row.status == "missing" else _text(row.summary())]
            body.append(cells)
        _write(path, header, body)
    return len(students), left_out


def _counted(row) -> str:
    return "" if row is None or row.status == "missing" else _points(row.counted)


def _kit_csv(book, path, every: dict) -> int:
    columns = [(exercise, name) for exercise in every for name in book.check_names(exercise)]
    prefix = len(every) > 1  # several exercises: name each check column by its exercise
    header = list(KIT_COLUMNS) + [f"{exercise}:{name}" if prefix else name for exercise, name in columns]
    body = []
    for exercise, table in every.items():
        for row in table:
            s, attempt = row.enrolled, row.counted_attempt
            points = {c.name: c.score for c in attempt.checks} if attempt else {}
            body.append([
                _text(exercise), _text(row.student), _text(s.id if s else ""), _text(s.name if s else ""),
                _text(s.email if s else ""), _text(s.section if s else ""), row.status,
                {None: "", True: "yes", False: "no"}[row.on_roster],
                attempt.submitted_at if attempt else "", str(row.days_late) if row.late else "",
                _points(row.counted), _points(row.max_score), _points(row.on_time.score if row.on_time else None),
                _points(row.late.score if row.late else None),
                _text("; ".join(f"{o.check}: {o.points:g} ({o.reason})" for o in row.overrides)),
                _text(attempt.problem if attempt else ""), _text(row.summary())]
                + [_points(points.get(name)) if e == exercise else "" for e, name in columns])
    _write(path, header, body)
    return len(body)


# ---------------------------------------------------------------------------------------------
# Feedback files


def _file_stem(key: str, taken: set) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "student"
    candidate, number = stem, 2
    while candidate.lower() in taken:
        candidate, number = f"{stem}-{number}", number + 1
    taken.add(candidate.lower())
    return candidate


def write_feedback(book, outdir, exercises: list[str] | None = None) -> list[Path]:
    """One ``.html`` and one ``.md`` feedback file per student into ``outdir`` (created if
    missing), named by roster id (else the class-folder entry): for each exercise the counted
    score and how it was reached (lateness and the late policy, each override with its reason),
    then each attempt's report as ``kit grade`` gives it, hidden checks included. Returns the
    HTML files' paths."""
    folder = output_folder(outdir, "the feedback files")
    every = _all(book, exercises)
    people: dict = {}
    for table in every.values():
        for row in table:
            key = row.enrolled.id if row.enrolled is not None else row.student
            people.setdefault(key, []).append(row)
    written, taken = [], set()
    with writing(folder, "the feedback files"):
        folder.mkdir(parents=True, exist_ok=True)
        for key, rows in people.items():
            stem = _file_stem(key, taken)
            (folder / f"{stem}.md").write_text(_markdown(key, rows), encoding="utf-8")
            (folder / f"{stem}.html").write_text(_html_page(key, rows), encoding="utf-8")
            written.append(folder / f"{stem}.html")
    return written


def _who(key: str, rows: list) -> str:
    enrolled = rows[0].enrolled
    return f"{enrolled.name} ({enrolled.id})" if enrolled is not None and enrolled.name else key


def _facts(row) -> list[str]:
    """The lines above an exercise's reports: what counts and why."""
    if row.status == "missing":
        return ["No submission received."]
    lines = [f"Counted: {row.counted:g}/{row.max_score:g} (from the {row.counted_from} attempt)."]
    if row.deadline is not None:
        lines.append(f"Due {row.deadline.due.isoformat(timespec='minutes')}; late policy: "
                     f"{row.deadline.policy.describe()}.")
    for attempt in (row.on_time, row.late):
        if attempt is not None:
            when = f"submitted {attempt.submitted_at} ({attempt.time_source})" if attempt.submitted_at else \
                "submission time unknown"
            kind = f"Late attempt, {row.days_late} day{'s' * (row.days_late != 1)} late" if attempt.late else \
                "On-time attempt"
            score = f"{attempt.score:g}/{attempt.max_score:g}"
            how = f"; late policy: {row.late_how}" if attempt.late else ""
            lines.append(f"{kind}: {score}, {when}{how}.")
    for override in row.overrides:
        auto = next(c.auto_score for c in row.counted_attempt.checks if c.name == override.check)
        lines.append(f"Override of {override.check!r}: {auto:g} → {override.points:g} points, because: "
                     f"{override.reason}")
    return lines


def _attempt_reports(row):
    """(title, GradeResult) per attempt, the autograder's report as stored."""
    from kit.grading.runners.engine import GradeResult

    for attempt in (row.on_time, row.late):
        if attempt is not None and attempt.report:
            title = "Late attempt" if attempt.late else "On-time attempt"
            result = GradeResult.from_dict(attempt.report)
            yield f"{title}: the autograder's report (graded {attempt.graded_at})", result


def _markdown(key: str, rows: list) -> str:
    from kit.grading.runners.report import text

    parts = [f"# Feedback for {_who(key, rows)}", ""]
    for row in rows:
        parts += [f"## {row.exercise}", ""] + [f"- {line}" for line in _facts(row)] + [""]
        for title, result in _attempt_reports(row):
            parts += [f"### {title}", "", "```text", text(result).replace("```", "'''"), "```", ""]
    return "\n".join(parts)


def _html_page(key: str, rows: list) -> str:
    from kit.grading.runners.report import html as report_html

    escape = html.escape
    who = escape(_who(key, rows))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Feedback for {who}</title>"
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:2px 8px;"
             "vertical-align:top}</style></head><body>", f"<h1>Feedback for {who}</h1>"]
    for row in rows:
        parts.append(f"<h2>{escape(row.exercise)}</h2><ul>"
                     + "".join(f"<li>{escape(line)}</li>" for line in _facts(row)) + "</ul>")
        for title, result in _attempt_reports(row):
            parts.append(f"<h3>{escape(title)}</h3>{report_html(result)}")
    return "".join(parts) + "</body></html>\n"
