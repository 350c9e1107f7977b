# affects: none
# Tries to read the exercise's checks; raises (failing sigmoid's checks) if anything leaks.
import glob
import os
import sys

kit = sys.modules["kit"]  # the zygote's, without an import (exercise 04 forbids importing it)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(kit.__file__)))


def sigmoid(x):
    leaked = []
    for path in [os.path.join(REPO, "exercises", "04-derivatives", "checks.py")] + \
            glob.glob(os.path.join(REPO, "**", "checks.py"), recursive=True):
        try:
            with open(path) as handle:
                if "RTOL64" in handle.read():
                    leaked.append(path)
        except OSError:
            pass
    if leaked:
        raise RuntimeError(f"LEAKED {leaked}")
    return _stable_sigmoid(x)
