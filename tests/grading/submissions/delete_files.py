# affects: none
# Deletes everything in its working directory (its own copy included) and tries the grader's files.
import os
import shutil
import sys

kit = sys.modules["kit"]  # the zygote's, without an import (exercise 04 forbids importing it)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(kit.__file__)))
for name in os.listdir("."):
    try:
        os.remove(name) if os.path.isfile(name) else shutil.rmtree(name)
    except OSError:
        pass
for target in ("exercises/04-derivatives/checks.py", "exercises/04-derivatives/solution.py", "kit/grading/runners/engine.py"):
    try:
        os.remove(os.path.join(REPO, target))
    except OSError:
        pass
