"""The kit: a Keras 3 course kit and model zoo on why neural networks need non-linear activations.

Importing ``kit`` is cheap: TensorFlow and Keras load only when a submodule that needs them is
imported (``kit.activations``, ``kit.builders``, ``kit.training`` …).
"""

__version__ = "0.1.0"


def check(exercise, path=None, **options):
    """Check your work on an exercise from a notebook: ``kit.check("04")`` (see kit.grading.notebook)."""
    from kit.grading.notebook import check as check_notebook

    return check_notebook(exercise, path, **options)
