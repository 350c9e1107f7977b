"""Starters from solutions: one source per exercise, the student's version generated from it.

An exercise's ``solution.py`` (jupytext percent format) marks the code a student writes:

    def relu(x):
        # the docstring says what x is and what to return
        # BEGIN SOLUTION: return max(0, x) element-wise, in x's dtype
        return np.maximum(x, np.zeros((), x.dtype))
        # END SOLUTION

:func:`make_starter` replaces each marked block by the TODO and a ``raise NotImplementedError``
with the same text, and leaves everything else as it is:

    >>> print(make_starter('def f(x):\\n    # BEGIN SOLUTION: double x\\n    return 2 * x\\n    # END SOLUTION\\n'))
    def f(x):
        # TODO: double x
        raise NotImplementedError('TODO: double x')
    <BLANKLINE>

Blocks sit inside function bodies (a module-level ``raise`` would stop the starter from
importing), never nest, and each names its TODO. The one exception: a module-level block that
holds only decorators (``@keras.saving.register_keras_serializable(…)`` above a function)
becomes a ``# TODO`` comment without a raise; the checks then find what is missing. ``kit start`` writes the starter and its
notebook (:func:`notebook`); the committed ``starter.py`` of each exercise is generated
too (``python -m kit.grading.release.starters`` rewrites them; a test fails when one is stale).
"""

from __future__ import annotations

import re
from pathlib import Path

from kit.errors import KitError

__all__ = ["BEGIN", "END", "MarkerError", "solution_blocks", "make_starter", "solution_lines", "notebook",
           "starter_text", "main"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::[ \t]*(?P<todo>.*?))?[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")


class MarkerError(KitError, ValueError):
    """A solution file's markers are malformed; the message names the line."""


def solution_blocks(solution: str, where: str = "solution.py") -> list[tuple[int, int, str, str]]:
    """The marked blocks as ``(begin_line, end_line, indent, todo)`` (0-based line numbers).

    Raises:
        MarkerError: a block is unclosed, nested, at module level or without a TODO.
    """
    blocks, open_at = [], None
    for number, line in enumerate(solution.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{where}:{number + 1}: BEGIN SOLUTION inside the block opened at line "
                                  f"{open_at[0] + 1}; close it with '# END SOLUTION' first.")
            # A module-level block may hold decorators only (e.g. @keras.saving.register_keras_serializable):
            # the starter keeps its TODO as a comment, since a module-level raise would stop it importing.
            decorators = begin.group("indent") == "" and _decorators_only(solution.splitlines()[number + 1:])
            if not begin.group("indent") and not decorators:
                raise MarkerError(f"{where}:{number + 1}: a solution block must sit inside a function body "
                                  "(a module-level raise would stop the starter from importing), or hold "
                                  "only decorators.")
            if not begin.group("todo"):
                raise MarkerError(f"{where}:{number + 1}: say what the student writes: "
                                  "'# BEGIN SOLUTION: <the TODO text>'.")
            open_at = (number, begin.group("indent"), begin.group("todo"))
        elif end:
            if open_at is None:
                raise MarkerError(f"{where}:{number + 1}: END SOLUTION without a BEGIN SOLUTION before it.")
            blocks.append((open_at[0], number, open_at[1], open_at[2]))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{where}:{open_at[0] + 1}: BEGIN SOLUTION is never closed by '# END SOLUTION'.")
    return blocks


def _decorators_only(lines: list[str]) -> bool:
    """True when the lines up to the next END SOLUTION are all decorators (``@…``), at least one."""
    body = []
    for line in lines:
        if END.match(line):
            return bool(body) and all(item.startswith("@") for item in body)
        if line.strip():
            body.append(line)
    return False


def make_starter(solution: str, where: str = "solution.py") -> str:
    """The student's starter: ``solution`` with every marked block replaced by its TODO."""
    if not isinstance(solution, str):
        raise TypeError(f"make_starter needs the solution's text (a str). Got {type(solution).__name__} instead.")
    lines = solution.splitlines(keepends=True)
    blocks = solution_blocks(solution, where)
    if not blocks:
        raise MarkerError(f"{where} has no '# BEGIN SOLUTION: …' block: nothing would be left for the student.")
    out, position = [], 0
    for begin, end, indent, todo in blocks:
        out += lines[position:begin]
        if indent:
            out += [f"{indent}# TODO: {todo}\n", f"{indent}raise NotImplementedError({'TODO: ' + todo!r})\n"]
        else:  # module-level decorators: the TODO as a comment only (the starter must import)
            out += [f"# TODO: {todo}\n"]
        position = end + 1
    out += lines[position:]
    return "".join(out)


def solution_lines(solution: str) -> set[str]:
    """The stripped, non-blank lines inside the marked blocks (what a starter must not contain)."""
    lines = solution.splitlines()
    return {lines[i].strip() for begin, end, _, _ in solution_blocks(solution) for i in range(begin + 1, end)
            if lines[i].strip()}


def notebook(starter: str) -> str:
    """The starter as a Jupyter notebook (``.ipynb`` JSON), one cell per ``# %%`` cell."""
    import jupytext

    return jupytext.writes(jupytext.reads(starter, fmt="py:percent"), fmt="ipynb")


def starter_text(exercise) -> str:
    """An exercise's starter: generated from its ``solution.py``, or its ``starter.py`` where the
    solution is absent (the student release)."""
    solution = exercise.path / "solution.py"
    if solution.is_file():
        return make_starter(solution.read_text(encoding="utf-8"), str(solution))
    return (exercise.path / "starter.py").read_text(encoding="utf-8")


def main() -> int:
    """Regenerate every exercise's committed ``starter.py`` from its ``solution.py``."""
    from kit.grading.authoring.exercises import all_exercises

    for exercise in all_exercises():
        if (exercise.path / "solution.py").is_file():
            (exercise.path / "starter.py").write_text(starter_text(exercise), encoding="utf-8")
            print(f"wrote {exercise.path / 'starter.py'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
