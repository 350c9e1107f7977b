"""Grade one file the way every front end does: ``kit check``, ``kit grade``, ``kit.check`` in a
notebook and the Gradescope autograder all call :func:`grade`.

What needs no TensorFlow comes first, so that a mistake is answered in a fraction of a second: the
exercise is found, ``KIT_SANDBOX_LEVEL`` read, the file read once (:mod:`kit.grading.sandbox.submission`:
a link, a FIFO, a device or a hard link is refused), and, where isolation is required, the sandbox's
level probed (:class:`~kit.grading.sandbox.zygote.IsolationRequired` when it falls short). Then a
visible-only check asks the user's warm check server (:mod:`.server`) and, when it cannot be used,
grades in this process, importing TensorFlow only for an exercise that needs it.

Example:
    >>> from kit.grading.runners import service
    >>> result = service.grade("04", "exercises/04-derivatives/solution.py")  # doctest: +SKIP
    >>> result.score == result.max_score                                       # doctest: +SKIP
    True
"""

from __future__ import annotations

__all__ = ["VISIBLE", "EVERY", "grade", "isolation_warning"]

VISIBLE = ("visible",)
EVERY = ("visible", "hidden", "after_due_date")


def grade(exercise, file, visibility=VISIBLE, timeout: float | None = None, server: bool = True,
          require_isolation=None):
    """Grade ``file`` (a path) on ``exercise`` with the checks of ``visibility``: a
    :class:`~kit.grading.runners.engine.GradeResult`.

    Args:
        exercise: number or slug (``"04"``, ``4``, ``"derivatives"``).
        file: the submission, a ``.py`` or ``.ipynb`` file.
        visibility: :data:`VISIBLE` for a check, :data:`EVERY` for a grade.
        timeout: seconds per sandboxed call (default: the exercise's own limit).
        server: a visible-only check may use the warm check server (``KIT_CHECK_SERVER=0`` turns it off).
        require_isolation: the least isolation to grade at (``"container"``, ``"full"``, True for
            ``"container"``, False for none), default ``KIT_REQUIRE_ISOLATION``.

    Raises:
        KitError: an unknown exercise, a file that cannot be read as a submission, a bad setting.
        IsolationRequired: isolation was required and this machine cannot provide it.
    """
    from kit.grading.authoring.exercises import find, runtime
    from kit.grading.runners import server as check_server
    from kit.grading.sandbox import zygote as sandbox
    from kit.grading.sandbox.child import isolation_level, level_setting
    from kit.grading.sandbox.submission import read_submission

    find(exercise)
    level_setting()  # a wrong KIT_SANDBOX_LEVEL: one line, before TensorFlow
    submission = read_submission(file)  # read once: what is graded below is these bytes
    require = sandbox.required_level(require_isolation)
    if require:
        level, problems = isolation_level(sandbox.default_hidden_paths())
        if not sandbox.meets(level, problems, require):
            raise sandbox.IsolationRequired(problems, level, require)
    result = None
    if tuple(visibility) == VISIBLE and not require and server and check_server.enabled(exercise=exercise):
        result = check_server.check(exercise, file, VISIBLE, timeout)  # None: not usable here, grade below
    if result is None:
        from kit.startup import import_tensorflow_quietly
        from kit.grading import Limits, grade_submission

        if runtime(exercise) == "keras":  # a NumPy exercise grades without TensorFlow in any process
            import_tensorflow_quietly()
        result = grade_submission(exercise, submission, visibility=tuple(visibility),
                                  limits=Limits(timeout=timeout) if timeout else None, require_isolation=require)
    return result


def isolation_warning(result, command: str) -> str | None:
    """The warning a front end prints when ``result`` was graded without isolation, else None."""
    if result.isolated:
        return None
    problems = " ".join("; ".join(result.isolation).split())
    return (f"kit {command}: warning: the sandbox could not isolate the submission ({problems}); its code could read "
            "your files and use the network. Fine for checking your own work; to grade others', run as root in a "
            "container (docs/grading.md) or pass --require-isolation to refuse.")
