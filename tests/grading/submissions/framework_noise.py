# affects: none
# Warnings and stderr chatter, as frameworks produce them, must never cost points.
import sys
import warnings

warnings.warn("this module is deprecated", DeprecationWarning)
print("W0000 some framework log line\n" * 200, file=sys.stderr)
_noisy_relu = relu


def relu(x):
    warnings.warn("UserWarning from a library", UserWarning)
    print("I0000 relu called", file=sys.stderr)
    return _noisy_relu(x)
