"""What an exercise's ``checks.py`` is written with: checks (:mod:`.checks`), assertions
(:mod:`.expect`), multi-seed training in the parent (:mod:`.trials`), baselines a check compares with
(:mod:`.baselines`), and the exercises' folders (:mod:`.exercises`).

Checks judge in the parent; what they learn of a submission comes from the sandbox
(:mod:`kit.grading.sandbox`) as plain data.
"""

__all__ = []
