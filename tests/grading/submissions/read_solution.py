# affects: none
# Tries to read the reference solution from the exercise folder and from git's objects.
import glob
import os
import sys
import zlib

kit = sys.modules["kit"]  # the zygote's, without an import (exercise 04 forbids importing it)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(kit.__file__)))


def tanh(x):
    # Any file of the repository holding a whole solution: the exercise's, or the tests' correct ones.
    for path in glob.glob(os.path.join(REPO, "**", "*.py"), recursive=True):
        try:
            with open(path) as handle:
                text = handle.read()
        except OSError:
            continue
        if "def sigmoid_grad" in text and "np.exp" in text:
            raise RuntimeError(f"LEAKED {path}")
    for objects in glob.glob(os.path.join(REPO, ".git", "objects", "??", "*"))[:5000]:
        try:
            with open(objects, "rb") as handle:
                if b"_stable" in zlib.decompress(handle.read()) or b"RTOL64" in zlib.decompress(handle.read()):
                    raise RuntimeError(f"LEAKED {objects}")
        except (OSError, zlib.error):
            pass
    if os.path.exists(os.path.join(REPO, ".git", "HEAD")):
        raise RuntimeError("LEAKED: the git directory is visible")
    return np.tanh(x)
