"""What an exercise's ``checks.py`` is written with, in one import::

    from kit.grading.authoring import check, expect, expect_close, fail, models, trials

- checks (:mod:`.checks`): ``check``, ``check_each``, ``passed``, ``partial``, ``failed``,
  ``hidden_data``, ``expected_values``, ``ImportRule``, ``Answer``, ``CallFailed``, ``raised``; a
  check's ``session`` memoises its sandboxed calls, and ``session.memo(prepare)`` what several checks judge;
- assertions (:mod:`.assertions`): ``expect``, ``expect_equal``, ``expect_close``,
  ``expect_layers``, ``fail``, ``CheckFailed``, ``paragraphs``;
- multi-seed training in the parent (:mod:`.trials`) and the baselines a check compares with
  (``best_half_plane_accuracy``, ``best_line_loss``, :mod:`.baselines`);
- what crosses from the sandbox: ``models`` (a submitted model's description, rebuilt in the
  parent: :mod:`kit.grading.sandbox.model_transfer`), ``logdirs`` (a submission's TensorBoard
  runs), ``Limits``;
- the exercises' folders, limits and runtimes (:mod:`.exercises`).

Checks judge in the parent; what they learn of a submission comes from the sandbox
(:mod:`kit.grading.sandbox`) as plain data. Names load on first use, so importing this package
costs nothing (the CLI imports :mod:`.exercises` before any check module).
"""

import importlib

__all__ = [
    "Answer", "baselines", "best_half_plane_accuracy", "best_line_loss", "CallFailed", "check", "check_each",
    "CheckFailed", "exercises", "expect", "expect_close", "expect_equal", "expect_layers", "expected_values",
    "fail", "failed", "hidden_data", "ImportRule", "Limits", "logdirs", "models", "paragraphs", "partial",
    "passed", "raised", "trials",
]


def __getattr__(name):
    modules = {  # a module itself, or the module a name comes from
        "Answer": "kit.grading.authoring.checks",
        "baselines": "kit.grading.authoring.baselines",
        "best_half_plane_accuracy": "kit.grading.authoring.baselines",
        "best_line_loss": "kit.grading.authoring.baselines",
        "CallFailed": "kit.grading.authoring.checks",
        "check": "kit.grading.authoring.checks",
        "check_each": "kit.grading.authoring.checks",
        "CheckFailed": "kit.grading.authoring.assertions",
        "exercises": "kit.grading.authoring.exercises",
        "expect": "kit.grading.authoring.assertions",
        "expect_close": "kit.grading.authoring.assertions",
        "expect_equal": "kit.grading.authoring.assertions",
        "expect_layers": "kit.grading.authoring.assertions",
        "expected_values": "kit.grading.authoring.checks",
        "fail": "kit.grading.authoring.assertions",
        "failed": "kit.grading.authoring.checks",
        "hidden_data": "kit.grading.authoring.checks",
        "ImportRule": "kit.grading.authoring.checks",
        "Limits": "kit.grading.sandbox.limits",
        "logdirs": "kit.grading.sandbox.logdirs",
        "models": "kit.grading.sandbox.model_transfer",
        "paragraphs": "kit.grading.authoring.assertions",
        "partial": "kit.grading.authoring.checks",
        "passed": "kit.grading.authoring.checks",
        "raised": "kit.grading.authoring.checks",
        "trials": "kit.grading.authoring.trials",
    }
    if name not in modules:
        raise AttributeError(f"module 'kit.grading.authoring' has no attribute {name!r}")
    module = importlib.import_module(modules[name])
    return module if module.__name__.endswith(("." + name, ".model_transfer")) else getattr(module, name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
