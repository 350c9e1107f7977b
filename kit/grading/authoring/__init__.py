"""What an exercise's ``checks.py`` is written with, in one import::

    from kit.grading.authoring import check, expect, expect_close, fail, models, trials

- checks (:mod:`.checks`): ``check``, ``check_each``, ``passed``, ``partial``, ``failed``,
  ``hidden_data``, ``expected_values``, ``ImportRule``, ``Answer``, ``CallFailed``, ``raised``;
- assertions (:mod:`.assertions`): ``expect``, ``expect_equal``, ``expect_close``,
  ``expect_layers``, ``fail``, ``CheckFailed``, ``paragraphs``;
- multi-seed training in the parent (:mod:`.trials`) and the baselines a check compares with
  (``best_half_plane_accuracy``, :mod:`.baselines`);
- what crosses from the sandbox: ``models`` (a submitted model's description, rebuilt in the
  parent: :mod:`kit.grading.sandbox.model_transfer`), ``logdirs`` (a submission's TensorBoard
  runs), ``Limits``;
- the exercises' folders, limits and runtimes (:mod:`.exercises`).

Checks judge in the parent; what they learn of a submission comes from the sandbox
(:mod:`kit.grading.sandbox`) as plain data. Names load on first use, so importing this package
costs nothing (the CLI imports :mod:`.exercises` before any check module).
"""

import importlib

_SOURCES = {
    "kit.grading.authoring.checks": ("Answer", "CallFailed", "ImportRule", "check", "check_each", "expected_values",
                                     "failed", "hidden_data", "partial", "passed", "raised"),
    "kit.grading.authoring.assertions": ("CheckFailed", "expect", "expect_close", "expect_equal", "expect_layers", "fail",
                                     "paragraphs"),
    "kit.grading.authoring.baselines": ("best_half_plane_accuracy",),
    "kit.grading.sandbox.limits": ("Limits",),
}
_MODULES = {"models": "kit.grading.sandbox.model_transfer", "logdirs": "kit.grading.sandbox.logdirs",
            "trials": "kit.grading.authoring.trials", "baselines": "kit.grading.authoring.baselines",
            "exercises": "kit.grading.authoring.exercises"}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = sorted(_WHERE) + sorted(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kit.grading.authoring' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
