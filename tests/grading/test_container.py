"""The ``container`` isolation level: root without CAP_SYS_ADMIN (Docker's default capabilities,
Gradescope), where no namespace can be entered.

The filter's own test runs in a fork of the test process and is quick. The rest share one zygote
for the module (slow: it starts in 5-15 s) that runs with ``KIT_SANDBOX_LEVEL=container``: it
gives up CAP_SYS_ADMIN from its bounding set first (as Docker does), so its keepers' ``unshare``
really fails. The hostile corpus's leak and escape cases are judged by test_corpus.py's own
judgement, and must fail as they do under full isolation. The zygote hides the repository's
exercises, tests and git file and a world-readable class folder; their modes are restored at the
end of the module (a grader at this level leaves them root-only).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

import pytest

from kit.grading import grade_submission
from kit.grading.sandbox import child, zygote as sandbox
from kit.grading.sandbox.limits import Limits
from tests.grading.conftest import TEST_LIMITS
from tests.grading.test_corpus import BASE, CORPUS, HERE, judge_hostile, listener, write_other_student  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the container level is root without CAP_SYS_ADMIN")

ROOT = Path(__file__).resolve().parents[2]
# The corpus cases that test isolation rather than limits: reading the checks, the solution, the
# grader's exchange files and another student's file; the network; writing outside the scratch
# folder (a fake results file in /tmp, deleting the grader's files); a process left behind.
CASES = ["read_checks.py", "read_hidden_data.py", "read_solution.py", "read_other_student.py",
         "socket_localhost.py", "fake_results.py", "delete_files.py", "subprocess_spawn.py"]
TRAIN = '''
def train():
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    history = model.fit(x, x[:, :1] - x[:, 1:], epochs=3, batch_size=16, verbose=0)
    return [float(v) for v in history.history["loss"]]
'''


def _in_fork(function) -> dict:
    """``function()``'s result, computed in a forked child (a filter it installs ends with it)."""
    found = child._in_fork(function, "the test's child")
    return found if type(found) is dict else {"error": found}


def _sockets() -> dict:
    opened = {}
    for name in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_UNIX"):
        kind = socket.SOCK_STREAM if name in ("AF_INET", "AF_INET6", "AF_UNIX") else socket.SOCK_RAW
        try:
            socket.socket(getattr(socket, name), kind).close()
            opened[name] = "opened"
        except OSError as error:
            opened[name] = error.errno
    first, second = socket.socketpair(socket.AF_UNIX)
    first.sendall(b"x")
    opened["socketpair"] = second.recv(1).decode()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    number = child._seccomp().seccomp_syscall_resolve_name(b"io_uring_setup")
    result = libc.syscall(ctypes.c_long(number), 1, None)  # a NULL params pointer: EFAULT when allowed
    opened["io_uring_setup"] = ctypes.get_errno() if result < 0 else "opened"
    with open("/proc/self/status") as status:
        opened["no_new_privs"] = next(line.split()[1] for line in status if line.startswith("NoNewPrivs:"))
    return opened


def test_the_network_filter_refuses_inet_sockets_and_io_uring_and_allows_unix():
    without = _in_fork(_sockets)
    assert without["AF_INET"] == without["AF_INET6"] == "opened", without  # control: this process may
    assert without["no_new_privs"] == "0", without

    def filtered():
        child.install_network_filter()
        return _sockets()

    found = _in_fork(filtered)
    assert "error" not in found, found
    for family in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"):
        assert found[family] == errno.EACCES, (family, found)
    assert found["AF_UNIX"] == "opened" and found["socketpair"] == "x", found
    assert found["io_uring_setup"] == errno.EPERM and found["no_new_privs"] == "1", found


@pytest.fixture(scope="module")
def class_folder():
    """A class folder anyone could read (outside the private tmp folders, so it is the grader
    that hides it), and a control beside it that nothing hides."""
    parent = ROOT / "tmp"
    parent.mkdir(exist_ok=True)
    made = Path(tempfile.mkdtemp(prefix="container-class-", dir=parent))
    os.chmod(made, 0o755)
    for name in ("class", "control"):
        (made / name).mkdir()
        os.chmod(made / name, 0o755)
    yield made / "class", made / "control"
    shutil.rmtree(made, ignore_errors=True)


@pytest.fixture(scope="module")
def container(class_folder):
    """A zygote at container level hiding the repository's secrets and the class folder."""
    hide = [p for p in sandbox.default_hidden_paths() if p.startswith(str(ROOT) + os.sep)] + [str(class_folder[0])]
    above = [str(Path(*Path(kept).parts[:depth])) for kept in child.kept_paths() for depth in
             range(1, len(Path(kept).parts))]  # the folders the zygote may make searchable
    modes = {path: os.lstat(path).st_mode for path in hide + above}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KIT_SANDBOX_LEVEL", "container")
            with sandbox.Zygote(hide=hide) as zygote:
                yield zygote
    finally:
        for path, mode in modes.items():
            os.chmod(path, stat.S_IMODE(mode))


@pytest.mark.slow
def test_the_zygote_finds_the_container_level_and_makes_the_hidden_paths_root_only(container, class_folder):
    assert container.level == "container" and container.isolation == [], container.isolation
    assert str(class_folder[0]) in container.changed
    for path in container.hide:
        assert not os.lstat(path).st_mode & 0o077, path
    with open(f"/proc/{container.pid}/status") as status:
        bounding = int(next(line.split()[1] for line in status if line.startswith("CapBnd:")), 16)
    assert not bounding & (1 << child.CAP_SYS_ADMIN) and bounding & (1 << 6)  # no CAP_SYS_ADMIN; CAP_SETGID kept


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_hostile_submission_fails_as_under_full_isolation(name, container, checks04, listener, tmp_path,
                                                          class_folder):
    result = judge_hostile(name, container, checks04, listener, tmp_path, class_folder[0])
    assert result.isolation_level == "container" and result.isolated, result.isolation


@pytest.mark.slow
def test_the_leak_probe_finds_a_file_nothing_hides(container, checks04, listener, tmp_path, class_folder):
    # Control for read_other_student.py: the same probe reads a world-readable file the grader
    # was not told to hide, so it is the hiding that stops it above.
    other = write_other_student(class_folder[1])
    submission = tmp_path / "reader.py"
    snippet = (HERE / "read_other_student.py").read_text().replace("{OTHER}", str(other))
    submission.write_text(BASE + "\n\n" + snippet)
    result = grade_submission("04", submission, zygote=container, limits=TEST_LIMITS, checks=checks04)
    assert any("LEAKED" in c.message for c in result.checks), [c.message for c in result.checks if not c.passed]


@pytest.mark.slow
def test_keras_trains_inside_the_filter(container):
    outcome = container.call(TRAIN, "call", {"function": "train", "args": []}, Limits(timeout=60))
    assert outcome.ok, (outcome.state, outcome.error, outcome.output[-2000:])
    losses = outcome.value["plain"]
    assert len(losses) == 3 and all(loss == loss for loss in losses), losses


@pytest.mark.slow
def test_requiring_full_isolation_refuses_the_container_level_before_the_code_runs(container, tmp_path):
    marker = tmp_path / "ran"
    submission = tmp_path / "refused.py"
    submission.write_text(BASE + f"\nopen({str(marker)!r}, 'w').close()\n")
    with pytest.raises(sandbox.IsolationRequired, match="level full or better.*level container"):
        grade_submission("04", submission, zygote=container, limits=TEST_LIMITS, require_isolation="full")
    assert not marker.exists()
    result = grade_submission("04", ROOT / "exercises" / "04-derivatives" / "solution.py", zygote=container,
                              limits=TEST_LIMITS, require_isolation=True)
    assert result.score == 100 and result.isolation_level == "container"


def test_a_private_folder_above_the_kit_is_made_searchable_and_an_unreadable_kit_is_reported(tmp_path, monkeypatch):
    # mktemp -d makes 0700 folders: a clone inside one cannot be imported from by the sandbox user
    # unless the container level lets others through it (never list it).
    private = Path(tempfile.mkdtemp(prefix="kit-private-"))
    try:
        kit = private / "clone" / "kit"
        kit.mkdir(parents=True)
        monkeypatch.setattr(child, "kept_paths", lambda: [str(kit)])
        notes, changed = [], []
        child._reach_kept(notes, changed)
        assert notes == [] and changed == [str(private)], (notes, changed)
        mode = stat.S_IMODE(os.lstat(private).st_mode)
        assert mode == 0o701, oct(mode)  # searchable, still not listable by others
        assert child._verify_container([], (60998, 60998)) == []
        os.chmod(kit, 0o700)  # a kit others cannot read is the instructor's to fix: said, not changed
        problems = child._verify_container([], (60998, 60998))
        assert len(problems) == 1 and f"cannot read {kit}" in problems[0] and "o+rX" in problems[0], problems
    finally:
        shutil.rmtree(private)
