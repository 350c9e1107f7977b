"""``kit.check("04")`` inside Jupyter: check the notebook's saved file and show the same table as
``kit check``, as rich HTML.

Which file: the one passed, else the notebook this kernel runs (``JPY_SESSION_NAME``, which
Jupyter Server sets for each kernel, or VS Code's ``__vsc_ipynb_file__``), else the only
``.ipynb`` in the working folder. Save the notebook first: the check reads the file, as the
course's grader will. Inside the grader's sandbox the call does nothing, so a notebook that ends
with ``kit.check("04")`` can be submitted as it is.

Example (a notebook cell):
    >>> import kit
    >>> kit.check("04")                      # doctest: +SKIP
    >>> kit.check("04", "my_attempt.ipynb")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kit.errors import KitError, MissingFile

__all__ = ["CheckReport", "notebook_file", "check"]


class CheckReport:
    """What ``kit.check`` returns: the grade (``.result``), shown as the terminal's table by
    ``print`` and ``repr``, and as an HTML table by Jupyter (``_repr_html_``)."""

    def __init__(self, result):
        self.result = result

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def passed(self) -> bool:
        return self.result.all_passed and not self.result.problem

    def __str__(self) -> str:
        from kit.grading.runners.report import render

        return render(self.result)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from kit.grading.runners.report import html

        return html(self.result)


def _in_sandbox() -> bool:
    child = sys.modules.get("kit.grading.sandbox.child")
    return bool(child is not None and getattr(child, "IN_SANDBOX", False))


def notebook_file() -> Path:
    """The notebook this kernel runs, as saved on disk; MissingFile saying how to name it otherwise."""
    candidates = [os.environ.get("JPY_SESSION_NAME", "")]
    main = sys.modules.get("__main__")
    candidates.append(getattr(main, "__vsc_ipynb_file__", "") if main is not None else "")
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate)
    found = sorted(Path(p.name) for p in Path.cwd().glob("*.ipynb"))  # named as the student sees it
    if len(found) == 1:
        return found[0]
    listed = ", ".join(p.name for p in found[:5]) or "none"
    raise MissingFile(f"kit.check cannot tell which notebook to check ({len(found)} .ipynb files here: {listed}). "
                      "Save your notebook and name it: kit.check('04', 'starter.ipynb').")


def check(exercise, path=None, timeout: float | None = None, server: bool = True) -> CheckReport | None:
    """Run an exercise's visible checks on a saved notebook or ``.py`` file, like ``kit check``.

    Args:
        exercise: number or slug (``"04"``, ``4``, ``"derivatives"``).
        path: the file to check (default: this notebook, see :func:`notebook_file`).
        timeout: seconds per sandboxed call (default the grader's).
        server: use the warm check server (as ``kit check`` does); False grades in this kernel.

    Returns a :class:`CheckReport` (None inside the grader's sandbox, where it does nothing).
    """
    if _in_sandbox():
        return None
    from kit.errors import SECONDS, check as check_value
    from kit.grading.authoring import exercises

    exercises.find(exercise)  # an unknown exercise is refused before anything loads
    if timeout is not None:
        check_value(timeout, SECONDS, "timeout", "kit.check")
    if not isinstance(server, bool):
        raise KitError(f"The 'server' parameter of kit.check must be True or False. Got {server!r} instead.")
    path = Path(path) if path is not None else notebook_file()
    if not path.is_file():
        raise MissingFile(f"No file {str(path)!r} to check. Save the notebook, or give the path of a .py or .ipynb "
                          "file.")
    from kit.grading.runners import service

    result = service.grade(exercise, path, service.VISIBLE, timeout=timeout, server=server)
    return CheckReport(result)
