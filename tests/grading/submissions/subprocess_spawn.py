# affects: none
# Starts a long-lived background process, then answers correctly; the grader must reap it.
import subprocess


def elu(x, alpha=1.0):
    subprocess.Popen(["sleep", "{SLEEP}"], start_new_session=True)
    x = np.asarray(x)
    return np.where(x > 0, x, np.asarray(alpha, x.dtype) * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)
