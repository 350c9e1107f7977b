"""A submission's source text, from a ``.py`` file or the code cells of an ``.ipynb`` notebook.

Read in the parent as text only (never imported there). Notebook magics (``%time``, ``!pip``)
become ``pass`` so that the cell still runs as Python.

Example:
    >>> source, name = read_source("exercises/04-derivatives/solution.py")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kit.errors import MissingFile
from kit.grading.protocol import clean_text

MAX_BYTES = 2_000_000  # a hand-written exercise is a few KB; anything this big is not one
_MAGIC = re.compile(r"^(\s*)(%|!)")


class SubmissionError(ValueError):
    """The file cannot be graded at all (missing, too large, not UTF-8, malformed notebook)."""


def _strip_magics(code: str) -> str:
    lines = []
    for line in code.splitlines():
        match = _MAGIC.match(line)
        lines.append(f"{match.group(1)}pass  # notebook magic removed" if match else line)
    return "\n".join(lines)


def notebook_source(text: str, name: str = "notebook") -> str:
    """The code cells of a notebook (nbformat 4 JSON), magics removed, joined into one module."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"{name} is not a valid notebook: its JSON is broken ({error.msg}, line {error.lineno}). "
                              "Save it again from Jupyter, or submit a .py file.") from None
    except (ValueError, RecursionError) as error:  # nested too deep, a number Python cannot hold
        raise SubmissionError(f"{name} is not a valid notebook: its JSON cannot be read ({type(error).__name__}). "
                              "Save it again from Jupyter, or submit a .py file.") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{name} is not a valid notebook: no list of cells (nbformat 4 expected). "
                              "Save it again from Jupyter, or submit a .py file.")
    parts = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SubmissionError(f"{name} is not a valid notebook: code cell {index} has no text source.")
        # A notebook's JSON may escape lone surrogates ("\ud800"), which no UTF-8 file can hold.
        parts.append(f"# cell {index}\n{clean_text(_strip_magics(source))}\n")
    return "\n".join(parts)


def read_source(path) -> tuple[str, str]:
    """(source text, file name) of a ``.py`` or ``.ipynb`` submission; SubmissionError if unusable."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"The submission path must be a str or Path. Got {path!r} of type {type(path).__name__} instead.")
    path = Path(path)
    if not path.is_file():
        raise MissingFile(f"No submission file {str(path)!r}. Give the path of a .py or .ipynb file.")
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path.name}: expected a .py or .ipynb file, got {path.suffix or 'no extension'!r}.")
    if path.stat().st_size > MAX_BYTES:
        raise SubmissionError(f"{path.name} is {path.stat().st_size} bytes; submissions are limited to {MAX_BYTES}.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not UTF-8 text. Save it as UTF-8.") from None
    if path.suffix == ".ipynb":
        return notebook_source(text, path.name), path.stem + ".py"
    return text, path.name
