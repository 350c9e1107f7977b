"""The kit: a Keras 3 course kit and model zoo on why neural networks need non-linear activations.

Importing ``kit`` is cheap: TensorFlow and Keras load only when a submodule that needs them is
imported (``kit.activations``, ``kit.builders``, ``kit.training`` …).
"""

import os
import re
import sys

__all__ = ["STARTUP_NOISE", "check", "clear_caches", "import_tensorflow_quietly"]

__version__ = "0.1.0"

STARTUP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[I]\d{4} .*"  # glog's information lines: oneDNN, "Could not find cuda drivers", CPU features
    r"|[WE]\d{4} .*(cuda|cuDNN|cuFFT|cuBLAS|cuInit|TensorRT|TF-TRT|computation_placer).*"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\."
    r"|TF-TRT Warning: Could not find TensorRT")
"""TensorFlow's C++ start-up lines on a machine without a GPU: printed before its logging is
configured, so ``TF_CPP_MIN_LOG_LEVEL`` does not silence them. Anything else it prints is kept."""


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


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (and probe its devices, which prints a CUDA complaint on machines without a
    GPU) with its C++ start-up noise (:data:`STARTUP_NOISE`) left out of stderr, for scripts,
    notebooks and the CLI alike: ``import kit.quiet`` before ``import keras`` calls it. Any other line
    TensorFlow prints is written after the import; on a failed import, every line, then the error.
    Does nothing once TensorFlow is imported."""
    if "tensorflow" in sys.modules:
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        kept = [line for line in captured.read().decode(errors="replace").splitlines()
                if line.strip() and not STARTUP_NOISE.fullmatch(line.strip())]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")
