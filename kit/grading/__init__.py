"""Auto-grading: sandboxed submissions, checks with points and visibility, reports.

Importing ``kit.grading`` is cheap (no TensorFlow); the sandbox's zygote imports it once.

Example:
    >>> from kit.grading import grade_submission
    >>> result = grade_submission("04", "exercises/04-derivatives/solution.py")  # doctest: +SKIP
    >>> result.score == result.max_score                                         # doctest: +SKIP
    True
"""

from kit.grading.sandbox.limits import Limits  # noqa: F401

__all__ = ["Limits", "grade_submission", "GradeResult", "Zygote"]  # the last three load on first use


def __getattr__(name):
    # Lazy public API: the CLI imports this package without paying for the engine.
    if name in ("grade_submission", "GradeResult"):
        from kit.grading.runners import engine

        return getattr(engine, name)
    if name == "Zygote":
        from kit.grading.sandbox.zygote import Zygote

        return Zygote
    raise AttributeError(name)
