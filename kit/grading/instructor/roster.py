"""The class roster: who is enrolled, and which entry of the class folder is whose.

A roster is a CSV file (UTF-8, a BOM allowed, as spreadsheets save it) with a header row:

- ``id`` (required): the student's ID at the institution, unique (Canvas's "SIS User ID",
  Moodle's "ID number");
- ``name``, ``email``: as the LMS knows them;
- ``submission``: the name of the student's entry in the class folder (a file's stem, ``alice``
  for ``alice.py``, or a folder's name); default: the ``id``;
- ``section``, ``login``: for Canvas's import (``Section``, ``SIS Login ID``; the email when
  ``login`` is empty).

Header names are matched ignoring case and spaces; other columns are ignored and named in the
answer, so that a typo (``emial``) is seen. The roster is kept in the gradebook (``roster``
table, replaced whole by the next one given), so later commands use it without ``--roster``.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = path.write_text("id,name,email,submission\\n1001,Alice Martin,alice@example.org,alice\\n")
    >>> students, ignored = read_roster(path)
    >>> students[0].id, students[0].submission, ignored
    ('1001', 'alice', [])
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from kit.errors import InvalidParameter, KitError, MissingFile

__all__ = ["COLUMNS", "MAX_BYTES", "Student", "read_roster", "store_roster", "stored_roster"]

COLUMNS = ("id", "name", "email", "submission", "section", "login")
MAX_BYTES = 10_000_000  # a roster of 100,000 students is a few MB


@dataclasses.dataclass(frozen=True)
class Student:
    """One roster row (see the module docstring)."""

    id: str
    name: str = ""
    email: str = ""
    submission: str = ""
    section: str = ""
    login: str = ""

    @property
    def first_and_last(self) -> tuple[str, str]:
        """``name`` split before its last word (Moodle's First name / Last name columns)."""
        first, _, last = self.name.strip().rpartition(" ")
        return (first, last) if first else (last, "")


def read_roster(path) -> tuple[list[Student], list[str]]:
    """The students of the roster CSV ``path``, in its order, and the columns it ignored; one-line
    :class:`kit.errors.KitError` for a file that is missing, not UTF-8 text, without an ``id``
    column, or with an empty or repeated id or submission name (naming the row)."""
    path = Path(path)
    fix = f"A roster is a CSV file whose header names the columns {', '.join(COLUMNS)} (id required)."
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MissingFile(f"No roster {str(path)!r}. {fix}") from None
    except IsADirectoryError:
        raise InvalidParameter(f"The roster {str(path)!r} is a folder. Give its CSV file. {fix}") from None
    except OSError as error:
        raise KitError(f"Cannot read the roster {str(path)!r} ({error.strerror or error}).") from None
    if len(data) > MAX_BYTES:
        raise InvalidParameter(f"The roster {str(path)!r} is {len(data)} bytes, more than a roster ({MAX_BYTES}). "
                               f"{fix}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidParameter(f"The roster {str(path)!r} is not UTF-8 text (byte {error.start}). Save it as "
                               "CSV UTF-8 from the spreadsheet.") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InvalidParameter(f"The roster {str(path)!r} is empty. {fix}")
    header = ["".join(cell.split()).lower() for cell in rows[0]]
    if "id" not in header:
        raise InvalidParameter(f"The roster {str(path)!r} has no 'id' column (its header: {', '.join(rows[0])}). {fix}")
    index = {name: header.index(name) for name in COLUMNS if name in header}
    ignored = [cell for cell, name in zip(rows[0], header) if name not in COLUMNS]
    students, ids, submissions = [], {}, {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}
        if not values["id"]:
            raise InvalidParameter(f"The roster {str(path)!r} has no id on line {number}. Every student needs one.")
        values["submission"] = values.get("submission") or values["id"]
        for key, seen in (("id", ids), ("submission", submissions)):
            if values[key] in seen:
                raise InvalidParameter(f"The roster {str(path)!r} names {key} {values[key]!r} twice (lines "
                                       f"{seen[values[key]]} and {number}). Each student appears once.")
            seen[values[key]] = number
        students.append(Student(**values))
    return students, ignored


def store_roster(book, students: list[Student]) -> None:
    """Keep ``students`` as the gradebook's roster, replacing the one it held; one transaction."""
    with book.transaction():
        book.connection.execute("DELETE FROM roster")
        book.connection.executemany(
            "INSERT INTO roster VALUES (?,?,?,?,?,?,?)",
            [(i, s.id, s.name, s.email, s.submission, s.section, s.login) for i, s in enumerate(students)])


def stored_roster(book) -> list[Student]:
    """The gradebook's roster, in the order it was given ([] when none was)."""
    rows = book.connection.execute("SELECT id, name, email, submission, section, login FROM roster ORDER BY position")
    return [Student(*row) for row in rows]
