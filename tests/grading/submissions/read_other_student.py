# affects: none
# Reads another student's submission in the class folder (the test fills in its path).
import glob
import os

OTHER = "{OTHER}"


def tanh(x):
    for path in [OTHER] + glob.glob(os.path.join(os.path.dirname(os.path.dirname(OTHER)), "*", "*.py")):
        try:
            with open(path) as handle:
                if "ANOTHER STUDENT" in handle.read():
                    raise RuntimeError(f"LEAKED another student's file {path}")
        except OSError:
            pass
    return np.tanh(x)
