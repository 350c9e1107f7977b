# affects: tanh
# message: time limit|CPU
import threading
import time


def _spin():
    while True:
        pass


def tanh(x):
    for _ in range(4):
        threading.Thread(target=_spin, daemon=True).start()
    time.sleep(3600)
