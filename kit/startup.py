"""TensorFlow's import without its start-up noise: the one helper the CLI, the check server, the
grading runners, scripts and notebooks use (``kit.import_tensorflow_quietly`` is the same function).

Imports nothing from the kit, so any layer may use it without importing the root package.
"""

import os
import re
import sys

__all__ = ["STARTUP_NOISE", "INTRA_OP_THREADS", "THREADS_VARIABLE", "import_tensorflow_quietly", "set_thread_default",
           "tensorflow_threads"]

THREADS_VARIABLE = "TF_NUM_INTRAOP_THREADS"
INTRA_OP_THREADS = "1"
"""TensorFlow's intra-op threads in a process that imports the kit, unless ``TF_NUM_INTRAOP_THREADS``
is set (``0``: TensorFlow's default, one per core). The kit's compiled trainer runs a Playground
network's epochs faster on one thread than spread over every core, with less CPU time, and gives the
same numbers (weights and accuracies bit for bit); ``model.fit`` is not slower. ``kit bench train``
measures both settings (its ``threads`` figures, docs/benchmarks/train.json). A core left free draws
Diagnostics' pictures beside the training, and a grader's sandboxed calls use one core each."""

STARTUP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[I]\d{4} .*"  # glog's information lines: oneDNN, "Could not find cuda drivers", CPU features
    r"|[WE]\d{4} .*(cuda|cuDNN|cuFFT|cuBLAS|cuInit|TensorRT|TF-TRT|computation_placer).*"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\."
    r"|TF-TRT Warning: Could not find TensorRT")
"""TensorFlow's C++ start-up lines on a machine without a GPU: printed before its logging is
configured, so ``TF_CPP_MIN_LOG_LEVEL`` does not silence them. Anything else it prints is kept."""


def set_thread_default() -> None:
    """Set ``TF_NUM_INTRAOP_THREADS`` to :data:`INTRA_OP_THREADS` unless it is set: called when the
    kit is imported, before TensorFlow starts its runtime (which reads the variable once), and
    inherited by the processes the kit starts."""
    os.environ.setdefault(THREADS_VARIABLE, INTRA_OP_THREADS)


def tensorflow_threads() -> dict:
    """``{TF_NUM_INTRAOP_THREADS: value}`` as this process has it, for an environment made from scratch
    (a sandboxed call's)."""
    return {THREADS_VARIABLE: os.environ.get(THREADS_VARIABLE, INTRA_OP_THREADS)}


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
