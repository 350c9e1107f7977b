"""What the zygote preloads must leave TensorFlow forkable: a child can still run a tf.function.

Creating a TensorFlow object at import (a Keras optimizer, a tensor) starts TensorFlow's runtime
threads in the zygote; a forked child then hangs in its first tf.function (model.fit,
model.predict), so every exercise whose student code trains or predicts would time out.
"""

import subprocess
import sys

SCRIPT = """
import os, signal, sys
from kit.grading.sandbox import zygote_process as zygote
zygote.preload()
pid = os.fork()
if pid == 0:
    signal.alarm(60)  # a hang ends the child instead of the test run
    import tensorflow as tf
    value = tf.function(lambda x: x * 2.0)(tf.constant(21.0))
    os._exit(0 if float(value) == 42.0 else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_child_forked_after_preload_runs_a_tf_function():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, (f"the forked child exited with {result.returncode} "
                                    f"(-14: hung until the alarm)\n{result.stderr[-2000:]}")
