"""The kit: a Keras 3 course kit and model zoo on why neural networks need non-linear activations.

Importing ``kit`` is cheap: TensorFlow and Keras load only when a submodule that needs them is
imported (``kit.activations``, ``kit.builders``, ``kit.training`` …).
"""

from kit.startup import STARTUP_NOISE, import_tensorflow_quietly, set_thread_default  # noqa: F401 (public here)

set_thread_default()  # before TensorFlow's runtime starts: kit.startup.INTRA_OP_THREADS

__all__ = ["STARTUP_NOISE", "check", "clear_caches", "import_tensorflow_quietly"]

__version__ = "0.1.0"


def check(exercise, path=None, **options):
    """Check your work on an exercise from a notebook: ``kit.check("04")`` (see kit.grading.runners.notebook)."""
    from kit.grading.runners.notebook import check as check_notebook

    return check_notebook(exercise, path, **options)


def clear_caches(*modules: str) -> None:
    """Empty every module-level cache of the kit (compiled trainers and probe programs, rendered
    pictures, loaded checks, trial runs …), or only those of the named ``modules``
    (``kit.clear_caches("kit.grading.authoring.trials")``): the next call computes afresh. Each
    module registers its caches with :mod:`kit.caches`; ``kit.caches.sizes()`` shows them."""
    from kit import caches

    caches.clear(*modules)
