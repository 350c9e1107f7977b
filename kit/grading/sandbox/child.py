"""The forked side of the sandbox (trusted code; the submission only ever runs in the grandchild).

The zygote forks a *keeper* per call and hands it the call's own socket (a fresh socket pair the
parent made for this call alone). The keeper reads the request from it, isolates itself at the
highest of the :data:`LEVELS` this machine allows (:func:`_isolate`) — new session, child
subreaper; ``full``: new mount, network and PID namespaces, a private tmpfs for ``/tmp``, empty
read-only mounts over the grader's hidden paths; ``container`` (root without CAP_SYS_ADMIN, as in
Docker or on Gradescope): the hidden paths made root-only — and forks the *runner*. The runner
drops to the sandbox user, sets its resource limits and no_new_privs (at ``container`` also a
seccomp filter that refuses network sockets, :func:`install_network_filter`), imports the
submission and calls one driver from :mod:`kit.grading.sandbox.drivers`. The keeper reads the runner's answer and output
through pipes, enforces the wall-clock and output limits, kills what is left (with a PID
namespace it dies with its first process; otherwise every process the runner left behind, even
one that called ``setsid``, is re-parented to the keeper, which kills it) and sends status,
answer and output tail back on the call's socket. Nothing from the request stays in the
zygote's memory, so one submission cannot read another's, and nothing a call leaves behind can
reach a later call's socket (see :mod:`kit.grading.sandbox.zygote`).
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
import select
import shutil
import signal
import stat
import struct
import sys
import time
import traceback
import types
from pathlib import Path

from kit import config
from kit.paths import PACKAGE
from kit.startup import tensorflow_threads

__all__ = ["CLONE_NEWNS", "CLONE_NEWPID", "CLONE_NEWNET", "MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC",
           "MS_BIND", "MS_REC", "MS_PRIVATE", "MS_REMOUNT", "PRIVATE_TMP", "PR_SET_PDEATHSIG", "PR_SET_DUMPABLE",
           "PR_CAPBSET_DROP", "PR_SET_CHILD_SUBREAPER", "PR_SET_NO_NEW_PRIVS", "CAP_SYS_ADMIN", "LEVELS",
           "LEVEL_VARIABLE", "FILTER_EXIT", "REPORT_HEADER", "LEFTOVER_KILL_SECONDS", "OUTPUT_TAIL_BYTES",
           "SAMPLE_SECONDS", "FORK_BOMB_SHARE", "MEMORY_SLACK_MB", "SUBMISSION_NAME", "IN_SANDBOX", "privileged",
           "level_setting", "describe_level", "level_rank", "limit_capabilities", "sandbox_user", "make_undumpable",
           "drop_capabilities", "make_root_only", "make_searchable", "private_ancestors", "SECCOMP_LIBRARY", "SCMP_ACT_ALLOW",
           "SCMP_ACT_ERRNO", "SCMP_CMP_NE", "SOCKET_ERRNO", "IO_URING_ERRNO", "install_network_filter", "probe",
           "kept_paths", "isolation_level", "isolation_problems", "MAX_IMPORTS", "record_imports", "load_submission",
           "send_report", "keep", "remove_files_of", "Usage", "kill_leftovers", "PREPARED_CPU_SECONDS",
           "PREPARED_WAIT_SECONDS", "PREPARED_UNAVAILABLE", "MAX_PROGRAMS"]

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
MS_REMOUNT = 32
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # each call gets its own empty tmpfs there
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 36, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CAP_SYS_ADMIN = 21
LEVELS = {  # most isolated first; what each level leaves out, as every report names it
    "full": "its own user; mount, network and PID namespaces",
    "container": "no mount, network or PID namespace: the submission runs as its own user with no new privileges, "
                 "a seccomp filter refuses network sockets, the hidden paths are made root-only (chmod go-rwx, "
                 "left so) and the keeper kills what it leaves behind; /tmp is shared",
    "none": "not root: the submission runs as the grader's user, may read what it reads and use the network "
            "(limits, a new session and a scratch directory only)",
}
LEVEL_VARIABLE = "KIT_SANDBOX_LEVEL"  # the most isolation to use: full (default), container or none
FILTER_EXIT = 72  # a runner whose seccomp filter would not load exits with this, before any submission code
REPORT_HEADER = struct.Struct("<QQQ")  # lengths of status JSON, answer frame, output tail
LEFTOVER_KILL_SECONDS = 2.0  # SIGKILL takes effect in microseconds; this only bounds a fork race
OUTPUT_TAIL_BYTES = 8192
SAMPLE_SECONDS = 0.05  # how often (at most) the keeper reads the runner's memory and counts its tasks
FORK_BOMB_SHARE = 0.25  # that share of the process limit in processes (not threads) is a fork bomb
MEMORY_SLACK_MB = 128  # a peak this close to the memory limit (at most a quarter of it) reached it
SUBMISSION_NAME = "submission"
PREPARED_CPU_SECONDS = 60  # CPU a prepared runner's warm-up may use (on top of the call's own limit)
PREPARED_WAIT_SECONDS = 60.0  # how long a call waits for its prepared runner to finish warming up
PREPARED_UNAVAILABLE = "the prepared runner did not take the call"  # the grader then runs it unprepared
MAX_PROGRAMS = 4  # train_many programs a prepared runner warms up (a shoot-out has one)
IN_SANDBOX = False  # True in a runner: a notebook's own `kit.check(...)` cell then does nothing

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), ctypes.c_ulong(flags),
                       data and data.encode()), f"mount {target}")


def privileged() -> bool:
    """True when the sandbox runs as root (``full`` or ``container`` level), unless
    ``KIT_SANDBOX_UNPRIVILEGED=1`` or ``KIT_SANDBOX_LEVEL=none`` asks for the degraded path (how
    the tests exercise it on a root machine)."""
    return os.geteuid() == 0 and not config.read("KIT_SANDBOX_UNPRIVILEGED") and level_setting() != "none"


def level_setting() -> str:
    """The most isolation the sandbox may use: ``KIT_SANDBOX_LEVEL`` (``full``, the default;
    ``container``; ``none``). A lower level than the machine allows is how the tests, or an
    instructor, try a deployment's level on a machine that allows more: see
    :func:`limit_capabilities`.

    Example:
        >>> level_setting()                    # KIT_SANDBOX_LEVEL unset      # doctest: +SKIP
        'full'
    """
    return config.read(LEVEL_VARIABLE)


def describe_level(level: str) -> str:
    """``"container (no mount, network or PID namespace: …)"``: a level and what it means.

    Example:
        >>> describe_level("full")
        'full (its own user; mount, network and PID namespaces)'
    """
    if level not in LEVELS:
        raise ValueError(f"The isolation level must be one of {tuple(LEVELS)}. Got {level!r} instead.")
    return f"{level} ({LEVELS[level]})"


def level_rank(level: str) -> int:
    """0 for ``full``, 1 for ``container``, 2 for ``none`` (more is less isolated); an unknown name ranks last."""
    return list(LEVELS).index(level) if level in LEVELS else len(LEVELS)


def limit_capabilities() -> None:
    """Give up, as root, what a lower ``KIT_SANDBOX_LEVEL`` (or ``KIT_SANDBOX_UNPRIVILEGED=1``)
    does not have: ``none`` every capability (:func:`drop_capabilities`), ``container``
    CAP_SYS_ADMIN only, as Docker's default capabilities do (no namespace can be entered after
    it). The zygote calls it first, and so does the isolation probe, so both find the same level."""
    if os.geteuid() != 0:
        return
    if not privileged():
        drop_capabilities()
    elif level_setting() == "container":
        _check(_libc.prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0), "prctl(PR_CAPBSET_DROP)")
        header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()
        _check(_libc.capget(header, data), "capget")
        for index in range(3):  # effective, permitted, inheritable of the low word: CAP_SYS_ADMIN is bit 21
            data[index * 2] &= ~(1 << CAP_SYS_ADMIN)
        _check(_libc.capset(header, data), "capset")


def sandbox_user(requested=None) -> tuple[int, int] | None:
    """The (uid, gid) a runner drops to when the grader runs as root, else None (no privilege to
    drop): ``requested`` (the zygote's own user, :func:`kit.grading.sandbox.zygote.claim_sandbox_user`,
    sent by the grader with each call) when it is a pair of positive ints, else
    ``KIT_SANDBOX_USER`` or ``nobody``."""
    if not privileged():
        return None
    if type(requested) in (list, tuple) and len(requested) == 2 and all(type(i) is int and i > 0 for i in requested):
        return int(requested[0]), int(requested[1])
    try:
        entry = pwd.getpwnam(config.read("KIT_SANDBOX_USER") or "nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def make_undumpable() -> None:
    """Mark this process (and what it forks) non-dumpable: a process of the same user without
    privileges can then neither open its ``/proc/PID/fd`` entries, read or write its memory, nor
    ``ptrace`` it. The zygote calls it (its keepers and runners inherit it), and so does the
    grading process when the sandbox has no user of its own, so that a process a submission
    left behind cannot reach the next call's data."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def drop_capabilities() -> None:
    """Give up every capability (bounding set included), keeping the user id.

    For ``KIT_SANDBOX_UNPRIVILEGED=1`` on a root machine: the zygote calls it, so that its
    keepers and runners stay uid 0 but can do only what a plain user's processes could, which is
    what that switch simulates (root's capabilities would pass every check a plain user fails)."""
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # EINVAL: past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable × 2 words: all empty
    _check(_libc.capset(header, data), "capset")


def _isolate(hide: list[str], tmp_mb: int, notes: list[str], changed: list[str] | None = None) -> str:
    """Isolate this keeper as much as the machine allows; returns the level (see :data:`LEVELS`).

    ``full``: new mount, network and PID namespaces (root with CAP_SYS_ADMIN), hidden paths
    covered by empty mounts. ``container``: root without CAP_SYS_ADMIN (unshare fails, as in
    Docker or on Gradescope) or ``KIT_SANDBOX_LEVEL=container``: the hidden paths are made
    root-only instead (:func:`make_root_only`; those changed are appended to ``changed``) and the
    runner adds its seccomp filter. ``none``: not root. What a level's own steps could not do is
    appended to ``notes``.
    """
    if not privileged():
        notes.append("not root: no network, mount or PID isolation and no separate user "
                     "(limits, a new session and a scratch directory only)")
        return "none"
    if level_setting() == "container":
        _contain(hide, notes, changed)
        return "container"
    try:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
    except OSError:  # no CAP_SYS_ADMIN (Docker's default capabilities, Gradescope) or no namespaces
        _contain(hide, notes, changed)
        return "container"
    try:  # without this, the mounts below would propagate to the host: then mount nothing
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as error:
        notes.append(f"could not make mounts private ({error.strerror or error}); nothing hidden")
        return "full"
    # Each step that fails is reported and skipped: a grade with a note beats no grade at all.
    steps = []
    # The hidden paths first: a repository cloned under /tmp (as CI may do) is still there to
    # be hidden, and the private /tmp mounted next covers it all the same.
    for path in hide:
        if os.path.isdir(path):
            steps.append((f"hide {path}", lambda path=path: _mount(
                "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")))
        elif os.path.exists(path):
            steps.append((f"hide {path}", lambda path=path: _mount("/dev/null", path, None, MS_BIND)))
    # A private, size-capped /tmp: the submission can neither fill the disk nor see other files.
    for path in PRIVATE_TMP:
        if os.path.isdir(path):
            steps.append((f"private {path}", lambda path=path: _mount(
                "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(tmp_mb)}m,mode=1777")))
    # What every child must still read (the kit, Python's libraries) may lie under a private
    # folder the sandbox user cannot pass: pyenv's Python under /root (0700). Cover the highest
    # such folder with an empty tmpfs others may enter, as /tmp is covered, instead of changing
    # its mode on the host (what the container level must do): the rest of it stays hidden.
    covered = list(PRIVATE_TMP)
    for folder in private_ancestors(kept_paths()):
        if not _within(folder, covered):
            covered.append(folder)
            steps.append((f"cover {folder}", lambda path=folder: _mount(
                "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0711")))
    # Those folders (and /tmp: a repository cloned there with its virtual environment) are held
    # open before the cover and bound back on top of it, read-only; otherwise an import the
    # zygote did not preload (model.fit's tf.data modules, concurrent.futures.thread) fails in
    # the child.
    kept = []
    for path in kept_paths():
        if os.path.isdir(path) and _within(path, covered):
            try:
                kept.append((path, os.open(path, os.O_PATH | os.O_DIRECTORY)))
            except OSError as error:
                notes.append(f"could not keep {path} readable ({error.strerror or error})")
    for path, descriptor in kept:
        def rebind(path=path, descriptor=descriptor):
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{descriptor}", path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        steps.append((f"keep {path} readable", rebind))
    for what, step in steps:
        try:
            step()
        except OSError as error:
            notes.append(f"could not {what} ({error.strerror or error})")
    for _, descriptor in kept:
        os.close(descriptor)
    return "full"


def make_root_only(path: str) -> bool:
    """Take every permission of group and others off ``path`` itself (``chmod go-rwx``, not
    recursive: a folder others cannot enter hides everything below it). True when its mode
    changed. A symbolic link is refused (OSError): what it points to is not the path's to hide."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        raise OSError(0, "a symbolic link")
    if not status.st_mode & 0o077:
        return False
    os.chmod(path, stat.S_IMODE(status.st_mode) & ~0o077)
    return True


def make_searchable(path: str) -> bool:
    """Let others pass through the folder ``path`` (``chmod o+x``: enter it and open what they
    already know the name of, never list it). True when its mode changed. A symbolic link is
    refused (OSError)."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        raise OSError(0, "a symbolic link")
    if not stat.S_ISDIR(status.st_mode) or status.st_mode & stat.S_IXOTH:
        return False
    os.chmod(path, stat.S_IMODE(status.st_mode) | stat.S_IXOTH)
    return True


def _within(path: str, folders) -> bool:
    """Whether ``path`` is one of ``folders`` or lies below one."""
    return any(path == folder or path.startswith(folder + "/") for folder in folders)


def private_ancestors(paths) -> list[str]:
    """The highest folder above each of ``paths`` that others may not pass through (no ``o+x``),
    in order, without repeats: what keeps the sandbox user from a kept path.

    Example:
        >>> private_ancestors(["/usr/lib/python3.11"])
        []
    """
    found = []
    for kept in paths:
        parts = Path(kept).parts
        for depth in range(2, len(parts)):
            folder = str(Path(*parts[:depth]))
            try:
                private = not os.stat(folder).st_mode & stat.S_IXOTH
            except OSError:
                break
            if private:
                if folder not in found:
                    found.append(folder)
                break
    return found


def _reach_kept(notes: list[str], changed: list[str] | None) -> None:
    """Without a mount namespace nothing can bind the kit back for the sandbox user, so every
    folder above what it must read (:func:`kept_paths`) must let others through. A private folder
    above a clone (``mktemp -d`` makes ``0700`` folders) would otherwise fail every import the
    zygote did not preload (``model.fit``'s ``tf.data`` modules) in the call, not at the start:
    such folders are made searchable, never listable, and reported in ``changed``."""
    for kept in kept_paths():
        parts = Path(kept).parts
        for depth in range(1, len(parts)):
            folder = str(Path(*parts[:depth]))
            try:
                if make_searchable(folder) and changed is not None and folder not in changed:
                    changed.append(folder)
            except OSError as error:
                notes.append(f"could not let the sandbox user through {folder} to {kept} ({error.strerror or error})")
                break


def _contain(hide: list[str], notes: list[str], changed: list[str] | None = None) -> None:
    """The container level's own steps in the keeper: every hidden path made root-only (the
    sandbox user is neither its owner nor in its group, so it can no longer open it or, for a
    folder, anything below it), the folders above the kit made searchable (:func:`_reach_kept`),
    and the seccomp library found."""
    for path in hide:
        try:
            if make_root_only(path) and changed is not None:
                changed.append(path)
        except FileNotFoundError:
            continue
        except OSError as error:
            notes.append(f"could not make {path} root-only ({error.strerror or error})")
    _reach_kept(notes, changed)
    try:
        _seccomp()
    except OSError as error:
        notes.append(f"no seccomp: network not blocked ({error.strerror or error})")


# The container level's network filter: libseccomp through ctypes rather than a hand-built BPF
# program. The kit states only the policy (socket() of any family but AF_UNIX, and
# io_uring_setup, answer an errno); the library, maintained with the kernel, knows every
# architecture's syscall numbers, checks the audit architecture, and sends a syscall of another
# ABI (x32 or i386 on x86_64: measured, an x32 socket() is killed with SIGSYS) to its
# bad-architecture action, all of which a hand-built program would have to get right, per
# architecture, in the kit. libseccomp.so.2 is an apt dependency on Debian and on Ubuntu 22.04
# (Gradescope's base image); where it is missing the level says so ("no seccomp: network not
# blocked"). Only its stable C ABI is used: seccomp_init, seccomp_syscall_resolve_name,
# seccomp_rule_add_array (not the variadic seccomp_rule_add), seccomp_load, seccomp_release.
SECCOMP_LIBRARY = "libseccomp.so.2"
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000  # | the errno
SCMP_CMP_NE = 1
SOCKET_ERRNO = 13  # EACCES, what socket() answers when a policy refuses it
IO_URING_ERRNO = 1  # EPERM, as Docker's profile answers: io_uring could open sockets past the socket() rule
_seccomp_library = None


class _ArgumentComparison(ctypes.Structure):  # struct scmp_arg_cmp
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def _seccomp():
    """libseccomp, loaded once per process (the zygote preloads it); OSError when it is missing."""
    global _seccomp_library
    if _seccomp_library is None:
        library = ctypes.CDLL(SECCOMP_LIBRARY, use_errno=True)
        library.seccomp_init.restype = ctypes.c_void_p
        library.seccomp_init.argtypes = [ctypes.c_uint32]
        library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        library.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                                   ctypes.POINTER(_ArgumentComparison)]
        library.seccomp_load.argtypes = [ctypes.c_void_p]
        library.seccomp_release.argtypes = [ctypes.c_void_p]
        _seccomp_library = library
    return _seccomp_library


def install_network_filter() -> None:
    """Refuse, in this process and every process and thread it starts from now on, ``socket()``
    of every family but AF_UNIX (EACCES: AF_INET, AF_INET6, AF_NETLINK, AF_PACKET …) and
    ``io_uring_setup`` (EPERM), after setting no_new_privs. Raises OSError when it cannot.

    ``connect``/``sendto`` need no rule: a filtered process can only create AF_UNIX sockets, and
    the runner inherits no other descriptor (:func:`_start_runner` closes them all).

    Example:
        >>> install_network_filter()             # in a forked child        # doctest: +SKIP
        >>> socket.socket(socket.AF_INET)                                    # doctest: +SKIP
        Traceback (most recent call last):
        PermissionError: [Errno 13] Permission denied
    """
    import socket

    library = _seccomp()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    context = library.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError(0, "seccomp_init failed")
    try:
        rules = (("socket", SOCKET_ERRNO, [_ArgumentComparison(0, SCMP_CMP_NE, socket.AF_UNIX, 0)]),
                 ("io_uring_setup", IO_URING_ERRNO, []))
        for name, errno, comparisons in rules:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                raise OSError(0, f"libseccomp does not know {name}")
            array = (_ArgumentComparison * len(comparisons))(*comparisons) if comparisons else None
            result = library.seccomp_rule_add_array(context, SCMP_ACT_ERRNO | errno, number, len(comparisons), array)
            if result != 0:
                raise OSError(-result, f"seccomp_rule_add({name}): {os.strerror(-result)}")
        result = library.seccomp_load(context)
        if result != 0:
            raise OSError(-result, f"seccomp_load: {os.strerror(-result)}")
    finally:
        library.seccomp_release(context)


def _verify_container(hide: list[str], user) -> list[str]:
    """What the container level fails to do, found as the sandbox user: a fork drops to ``user``,
    tries to open every hidden path (must be refused) and list every folder of :func:`kept_paths`
    (must work), installs the network filter and tries an AF_INET and an AF_INET6 socket (must be
    refused) and an AF_UNIX pair (must work). [] when all holds."""
    def work():
        import socket

        problems = []
        if user is not None:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])
        for path in hide:
            try:
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW))
            except OSError:
                continue  # refused (or gone): hidden
            problems.append(f"{path} stays readable by the sandbox user")
        for path in kept_paths():
            try:
                os.listdir(path)
            except OSError as error:
                problems.append(f"the sandbox user cannot read {path}, which every call imports from "
                                f"({error.strerror or error}): make it readable by others (chmod -R o+rX)")
        try:
            install_network_filter()
        except OSError as error:
            return problems + [f"no seccomp: network not blocked ({error.strerror or error})"]
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.socket(family, socket.SOCK_STREAM).close()
                problems.append(f"the seccomp filter let a {family.name} socket open: network not blocked")
            except OSError:
                pass
        for end in socket.socketpair(socket.AF_UNIX):
            end.close()
        return problems

    problems = _in_fork(work, "the container probe")
    return [str(p) for p in problems] if type(problems) is list else ["the container probe gave no answer"]


def _in_fork(work, what: str):
    """``work()``'s JSON-able result, computed in a forked child (what it changes in its process
    ends with it); a failure in it becomes ``["WHAT failed (…)"]``; None when it gave no answer."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        try:
            os.close(read_end)
            result = work()
        except BaseException as error:
            result = [f"{what} failed ({type(error).__name__}: {error})"]
        os.write(write_end, json.dumps(result).encode()[:60000])
        os._exit(0)
    os.close(write_end)
    data = bytearray()
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data.extend(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    try:
        return json.loads(bytes(data))
    except ValueError:
        return None


def probe(hide: list[str], tmp_mb: int, user, notes: list[str], changed: list[str] | None = None) -> str:
    """Isolate as a call's keeper does and, at ``container`` level, verify it as the sandbox user
    ``user``; returns the level, appends what is missing to ``notes`` and the paths whose mode
    changed to ``changed``. Runs in a fork (a probe call's keeper, or :func:`isolation_level`'s
    child): namespaces it enters die with it."""
    level = _isolate(hide, tmp_mb, notes, changed)
    if level == "container":
        notes += _verify_container(hide, user)
    return level


def kept_paths() -> list[str]:
    """What every child must still read: the kit's package and Python's own libraries."""
    import sysconfig

    paths = {str(PACKAGE), sys.prefix, sys.base_prefix, sys.exec_prefix}
    paths.update(p for key, p in sysconfig.get_paths().items() if key in ("stdlib", "platstdlib", "purelib", "platlib"))
    return sorted({os.path.realpath(p) for p in paths})


def isolation_level(hide: list[str], tmp_mb: int = 64) -> tuple[str, list[str]]:
    """``(level, problems)``: how much the sandbox isolates here (:data:`LEVELS`) and what that
    level's own steps cannot do ([] when they all hold), found by trying it.

    Forks a child that isolates exactly as a call's keeper does (namespaces and mounts; or, at
    ``container`` level, the hidden paths made root-only, then checked as the sandbox user with
    the network filter on) and exits; namespaces die with it. Cheap (milliseconds) and free of
    TensorFlow, so ``kit grade --require-isolation`` can refuse before importing it.

    Example:
        >>> isolation_level([])   # as root with namespaces       # doctest: +SKIP
        ('full', [])
    """
    if not isinstance(hide, (list, tuple)) or not all(isinstance(p, str) for p in hide):
        raise TypeError("The 'hide' parameter of isolation_level must be a list of paths (str). "
                        f"Got {hide!r} instead.")
    level_setting()  # a wrong KIT_SANDBOX_LEVEL is the caller's error, raised here
    try:
        _seccomp()  # loaded here, not in the fork: dlopen in a fork of a threaded process may hang
    except OSError:
        pass  # the probe says so

    def work():
        notes = []
        return {"level": probe(list(hide), tmp_mb, sandbox_user(), notes), "notes": notes}

    found = _in_fork(work, "the isolation probe")
    if type(found) is list:  # the probe itself failed
        return "none", [str(note) for note in found]
    level, notes = (found.get("level"), found.get("notes")) if type(found) is dict else (None, None)
    if level not in LEVELS or type(notes) is not list:
        return "none", ["the isolation probe gave no answer"]
    return level, [str(note) for note in notes]


def isolation_problems(hide: list[str], tmp_mb: int = 64) -> list[str]:
    """What the sandbox cannot do here: [] when it isolates at ``full`` or ``container`` level
    with every step of that level in place (see :func:`isolation_level`, which also says which).

    Example:
        >>> isolation_problems([])   # as root: nothing missing  # doctest: +SKIP
        []
    """
    if not isinstance(hide, (list, tuple)) or not all(isinstance(p, str) for p in hide):
        raise TypeError("The 'hide' parameter of isolation_problems must be a list of paths (str). "
                        f"Got {hide!r} instead.")
    return isolation_level(hide, tmp_mb)[1]


def _memory_base_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1])
    return 0


def _cpu_limit(limits: dict) -> int:
    return int(limits["cpu"] if limits.get("cpu") else limits["timeout"] + 1) + 1


def _set_limits(limits: dict, user, extra_cpu: int = 0, beside: bool = False) -> None:
    cpu = _cpu_limit(limits) + extra_cpu
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    data = (_memory_base_kb() + int(limits["memory_mb"]) * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (data, data))
    size = int(limits["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts every task of the real user: the sandbox user's are all ours, but for a
    # prepared runner waiting beside this call (``beside``: Zygote.prepare), whose tasks get room on
    # top; without root, the grader's user already runs others, which the limit must leave room for.
    room = user is None or beside
    allowed = int(limits["processes"]) + (_tasks_of(user[0] if user is not None else os.getuid()) if room else 0)
    resource.setrlimit(resource.RLIMIT_NPROC, (allowed, allowed))


def _tasks_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
                if int(fields["Uid"].split()[0]) == uid:
                    count += int(fields["Threads"])
            except (OSError, KeyError, ValueError):
                pass
    return count


def _drop_privileges(user, workdir, level: str = "full") -> None:
    """The runner becomes ``user`` (as root), takes no_new_privs (no setuid program can give it
    privileges back) and, at ``container`` level, the network filter; a runner that cannot is
    ended before any of the submission's code runs."""
    if user is not None:
        uid, gid = user
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:  # never run a submission as root
            os._exit(70)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if level == "container":
        try:
            install_network_filter()
        except OSError as error:
            os.write(2, f"kit sandbox: the network filter would not load ({error}); nothing ran\n".encode())
            os._exit(FILTER_EXIT)


MAX_IMPORTS = 200  # names reported per call (a file imports a few dozen at most)


def record_imports(namespace: dict, imported: list) -> None:
    """From now on, append to ``imported`` every module that code running in ``namespace`` (the
    submission's globals: its top level and its functions) imports, once each, in order.

    The zygote preloads TensorFlow, Keras and the kit, so ``sys.modules`` cannot tell what the
    submission imported: this wraps ``builtins.__import__`` (every ``import`` and ``from …
    import`` statement, and ``__import__(…)``) and ``importlib.import_module`` and records the
    calls made from that namespace that succeed: the module's full name, and for ``from a
    import b`` also ``a.b`` when ``b`` is a module. Imports made by other modules (NumPy's own,
    the kit's drivers) are not the submission's and are not recorded. What it does not see: a
    module reached without an import (``sys.modules[…]``, an attribute of another module),
    code run in another namespace (``exec(…, {})``), ``importlib.__import__`` and the import
    system's private functions. It is a teaching rule's check (exercise 04 asks for NumPy), not
    a security boundary: the sandbox is that. Only ever called in a runner, which exits after
    one call.
    """
    import builtins
    import importlib

    original_import, original_import_module = builtins.__import__, importlib.import_module

    def note(name) -> None:
        if type(name) is str and name and name not in imported and len(imported) < MAX_IMPORTS:
            imported.append(name[:200])

    def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
        module = original_import(name, globals, locals, fromlist, level)
        caller = globals if globals is not None else sys._getframe(1).f_globals
        if caller is namespace and level == 0:
            note(name)
            for item in fromlist or ():
                try:  # a module's own __getattr__ may raise anything: never the recorder's business
                    if type(item) is str and isinstance(getattr(module, item, None), types.ModuleType):
                        note(f"{name}.{item}")
                except Exception:  # noqa: BLE001
                    pass
        return module

    def recording_import_module(name, package=None):
        module = original_import_module(name, package)
        if sys._getframe(1).f_globals is namespace:
            note(getattr(module, "__name__", name))
        return module

    builtins.__import__ = recording_import
    importlib.import_module = recording_import_module


def load_submission(source: str, path: str, imported: list | None = None) -> types.ModuleType:
    """Execute the submission's source as the module ``submission`` (its ``__main__`` block stays
    off). With ``imported`` (a list), the modules its code imports are recorded there, at import
    and in every later call of its functions (:func:`record_imports`)."""
    module = types.ModuleType(SUBMISSION_NAME)
    module.__file__ = path
    sys.modules[SUBMISSION_NAME] = module
    if imported is not None:
        record_imports(module.__dict__, imported)
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def _describe_error(error: BaseException, stage: str) -> dict:
    from kit.grading.sandbox.drivers import error_info

    try:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except BaseException:
        text = ""
    return {**error_info(error, 2000, stage=stage), "traceback": text[-4000:]}


def _run(request: dict, result_fd: int, gate_fd: int | None = None) -> None:
    """The runner's work: import, call the driver, send plain data. Never returns."""
    from kit.grading.sandbox import drivers, protocol

    global IN_SANDBOX
    IN_SANDBOX = True
    stage = "import"
    imported = []  # the modules the submission's code imports: the parent judges them (forbidden imports)
    try:
        arguments = protocol.decode(request["arguments"].encode())
        driver = drivers.get(request["driver"])
        module = load_submission(request["source"], request["filename"], imported)
        stage = "call"
        answer = {"ok": True, "value": driver(module, **arguments)}
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: they cost this call only
        answer = {"ok": False, "error": _describe_error(error, stage)}
    try:
        answer["imports"] = [str(name) for name in list(imported)[:MAX_IMPORTS]]
    except BaseException:
        answer["imports"] = []
    try:  # what a prepared runner of the next call warms up (see _prepared_start): hints, checked there
        many = sys.modules.get("kit.training.many")
        answer["programs"] = list(many.traced_programs())[-MAX_PROGRAMS:] if many is not None else []
    except BaseException:
        answer["programs"] = []
    try:
        payload = protocol.encode(answer)
    except BaseException as error:
        payload = protocol.encode({"ok": False, "error": _describe_error(error, "answer")})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    frame = struct.pack("<Q", len(payload)) + payload
    view = memoryview(frame)
    while view:
        written = os.write(result_fd, view)
        view = view[written:]
    # Closed before the exit, which takes tens of milliseconds to tear down this copy of the
    # zygote: the keeper sees both pipes end now and can report (see _watch).
    for fd in (result_fd, 1, 2):
        try:
            os.close(fd)
        except OSError:
            pass
    if gate_fd is not None:  # the keeper reads this process's memory peak, then lets it end
        try:
            os.read(gate_fd, 1)
        except BaseException:
            pass
    os._exit(0)


def _start_runner(request, limits, user, workdir, result_w, output_w, level: str, gate_r=None, start=None):
    """Fork the runner. ``start`` (a prepared runner: see :func:`_run_prepared`) is ``(start_r,
    ack_w)``: the runner warms up first, output discarded, then reads its call's request from
    ``start_r`` and acknowledges it on ``ack_w``."""
    pid = os.fork()
    if pid:
        return pid
    try:
        if level != "full":  # no PID namespace
            os.setpgid(0, 0)  # its own group, so every process it forks can be killed together
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        keep = {0, 1, 2, result_w, gate_r}
        if start is not None:  # the warm-up's output is not the call's: kept aside until the call starts
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.dup2(1, 2)
            keep |= {output_w, *start}
        for fd in range(3, 1024):  # the call's socket among them: only the keeper may write it
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        _set_limits(limits, user, PREPARED_CPU_SECONDS if start is not None else 0, request.get("beside") is True)
        _drop_privileges(user, workdir, level)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.chdir(workdir)
        threads = tensorflow_threads()  # the grader's, not the submission's
        os.environ.clear()
        os.environ.update({"HOME": workdir, "TMPDIR": workdir, "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2",
                           "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", **threads})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if start is not None:
            request = _prepared_start(request, limits, output_w, *start)
        _run(request, result_w, gate_r)
    finally:
        os._exit(71)


def _prepared_start(prepared: dict, limits: dict, output_w: int, start_r: int, ack_w: int) -> dict:
    """A prepared runner, isolated already: warm up the ``train_many`` programs the last call
    traced (``prepared["programs"]``, a submission's report: :func:`kit.training.many.warm_up`
    checks each and runs only the kit's code, here in the sandbox), wait for the call's request,
    acknowledge it with the CPU seconds used so far, take the call's own CPU limit on top of them
    and its output channel. Returns the call's request; ends the process when none comes."""
    programs = prepared.get("programs")
    if type(programs) is list:
        try:
            from kit.training import many

            for description in programs[:MAX_PROGRAMS]:
                many.warm_up(description)
        except BaseException:  # a warm-up that fails costs its time only: the call runs as it would
            pass
    try:
        length = struct.unpack("<Q", _receive(start_r, 8))[0]
        request = json.loads(_receive(start_r, length))
    except BaseException:  # the keeper ran the call without this runner, or ended
        os._exit(0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    cpu = int(used) + 1 + _cpu_limit(limits)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # lowered: never raised back
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    for fd in (output_w, start_r):
        os.close(fd)
    os.write(ack_w, f"{used:.3f}".encode())
    os.close(ack_w)
    return request


def _read_some(fd, sink: bytearray, cap: int, tail: bool) -> int:
    """Read what is available; keep at most ``cap`` bytes (the last ones when ``tail``). Returns bytes read (0 = EOF)."""
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return -1
    sink.extend(chunk)
    if tail and len(sink) > cap:
        del sink[: len(sink) - cap]
    return len(chunk)


def _receive(fd: int, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = os.read(fd, min(count - len(data), 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the call's socket")
        data.extend(chunk)
    return bytes(data)


def send_report(fd: int, status: dict, answer: bytes = b"", output: bytes = b"") -> None:
    """Status JSON, answer frame and output tail on the call's socket, each with its length."""
    blob = json.dumps(status).encode()
    data = memoryview(REPORT_HEADER.pack(len(blob), len(answer), len(output)) + blob + answer + output)
    while data:
        data = data[os.write(fd, data):]


def keep(call_fd: int, control_fd: int | None = None) -> None:
    """The keeper: isolate, run the submission once, report. Called in the zygote's fork; never returns.

    ``call_fd`` is this call's socket: the request (its length as 8 bytes, then JSON) comes in on
    it and the report (see :func:`send_report`) goes out on it. ``control_fd``, the zygote's own
    channel, is closed first: it is not the keeper's to use.
    """
    status = {"state": "internal", "notes": []}
    output = bytearray()
    answer = bytearray()
    try:
        if control_fd is not None:
            os.close(control_fd)
        os.setsid()
        # Whatever the runner leaves behind, setsid or not, becomes the keeper's child when its
        # parent ends (instead of init's), so the keeper can find it and kill it.
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        length = struct.unpack("<Q", _receive(call_fd, 8))[0]
        request = json.loads(_receive(call_fd, length))
        hide, tmp_mb = request.get("hide", []), request["limits"]["file_mb"] * 4
        if request.get("probe"):  # only asked what isolation is possible here: no runner
            changed = []
            status["level"] = probe(hide, tmp_mb, sandbox_user(request.get("user")), status["notes"], changed)
            status.update(state="probed", changed=changed)
        else:
            status["level"] = level = _isolate(hide, tmp_mb, status["notes"])
            expected = request.get("level")
            if expected in LEVELS and level_rank(level) > level_rank(expected):
                status["notes"].append(f"this call ran at level {level}, not {expected} as found at the start")
            if request.get("prepare"):
                status.update(_run_prepared(request, level, call_fd, answer, output))
            else:
                status.update(_run_once(request, level, answer, output))
    except BaseException as error:  # a keeper failure is the grader's, reported as such
        status.update(state="internal", message=f"{type(error).__name__}: {error}")
    reap = status.pop("reap", None)
    try:
        send_report(call_fd, status, bytes(answer), bytes(output))
    finally:
        if reap is not None:  # a runner still ending after its answer (see _watch): never leave a zombie
            try:
                os.waitpid(reap, 0)
            except ChildProcessError:
                pass
        os._exit(0)


def _run_once(request: dict, level: str, answer: bytearray, output: bytearray) -> dict:
    """Write the submission into a fresh scratch folder, run the runner once, watch it; its status."""
    import tempfile

    limits = request["limits"]
    user = sandbox_user(request.get("user"))
    workdir = tempfile.mkdtemp(prefix="kit-sandbox-")
    try:
        _make_scratch(workdir, user)
        _write_submission(request, workdir, user)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        gate_r, gate_w = os.pipe()
        seen = Usage(limits, workdir)  # before the fork: the runner starts as a copy of this process
        started = time.monotonic()
        runner = _start_runner(request, limits, user, workdir, result_w, output_w, level, gate_r)
        for fd in (result_w, output_w, gate_r):
            os.close(fd)
        for fd in (result_r, output_r):
            os.set_blocking(fd, False)
        return _watch(runner, level == "full", limits, started, result_r, output_r, answer, output, seen, gate_w)
    finally:
        _remove_scratch(workdir, level, user, request)


def _make_scratch(workdir: str, user) -> None:
    """The call's scratch folder: the sandbox user's (as root), nobody else's."""
    if user is not None:
        os.chown(workdir, *user)
    os.chmod(workdir, 0o700)


def _write_submission(request: dict, workdir: str, user) -> None:
    """Write the submission into the scratch folder, the sandbox user's; ``request["filename"]``
    becomes its path."""
    path = os.path.join(workdir, request["filename"])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(request["source"])
    if user is not None:
        os.chown(path, *user)
    request["filename"] = path


def _remove_scratch(workdir: str, level: str, user, request: dict) -> None:
    """After a call: its scratch folder, and at ``container`` level what its own user left in /tmp."""
    if level != "full":  # at full level the private tmpfs vanishes with the namespace
        shutil.rmtree(workdir, ignore_errors=True)
    if level == "container" and user is not None and request.get("user") and not config.read("KIT_SANDBOX_USER"):
        remove_files_of(user[0])


def _run_prepared(prepared: dict, level: str, call_fd: int, answer: bytearray, output: bytearray) -> dict:
    """A prepared call (:meth:`kit.grading.sandbox.zygote.Zygote.prepare`): fork the runner now,
    isolated as for any call, and let it warm up while the grader has no call for it; then read
    the call's request from ``call_fd`` and hand it over. The clock starts when the runner has
    read it, so the warm-up is never the submission's time. A call whose limits, user or hidden
    paths differ from the prepared ones, or a runner that died or did not finish warming up
    within :data:`PREPARED_WAIT_SECONDS`, is reported as :data:`PREPARED_UNAVAILABLE` before any of
    the call runs, and the grader runs it in a fresh keeper (at ``full`` level the runner is the
    first process of the call's PID namespace: no second one could start there)."""
    import tempfile

    limits = prepared["limits"]
    user = sandbox_user(prepared.get("user"))
    workdir = tempfile.mkdtemp(prefix="kit-sandbox-")
    runner = None
    pipes = [os.pipe() for _ in range(5)]  # result, output, gate, start, ack
    (result_r, result_w), (output_r, output_w), (gate_r, gate_w), (start_r, start_w), (ack_r, ack_w) = pipes
    try:
        _make_scratch(workdir, user)
        seen = Usage(limits, workdir)
        runner = _start_runner({"programs": prepared.get("programs")}, limits, user, workdir, result_w, output_w,
                               level, gate_r, (start_r, ack_w))
        for fd in (result_w, output_w, gate_r, start_r, ack_w):
            os.close(fd)
        length = struct.unpack("<Q", _receive(call_fd, 8))[0]  # EOFError: the grader discarded this call
        request = json.loads(_receive(call_fd, length))
        same = all(request.get(key) == prepared.get(key) for key in ("limits", "user", "hide"))
        cpu_before = _hand_over(request, workdir, user, start_w, ack_r) if same else None
        if cpu_before is None:  # nothing of the call ran: the grader runs it again, unprepared
            return {"state": "internal", "message": PREPARED_UNAVAILABLE}
        started = time.monotonic()
        for fd in (result_r, output_r):
            os.set_blocking(fd, False)
        result = _watch(runner, level == "full", limits, started, result_r, output_r, answer, output, seen, gate_w,
                        cpu_before)
        runner = None  # watched, reaped or handed back for reaping ("reap")
        return result
    finally:
        if runner is not None:
            _kill(runner, level == "full")
            os.waitpid(runner, 0)
        for fd in (result_r, output_r, gate_w, start_w, ack_r):
            try:
                os.close(fd)
            except OSError:
                pass
        _remove_scratch(workdir, level, user, prepared)


def _hand_over(request: dict, workdir: str, user, start_w: int, ack_r: int) -> float | None:
    """Write the call's submission into ``workdir`` and its request to the prepared runner; the CPU
    seconds the runner used before the call (its acknowledgement), or None when it did not take
    the request within :data:`PREPARED_WAIT_SECONDS` (died, or still warming up)."""
    _write_submission(request, workdir, user)
    payload = json.dumps(request).encode()
    pending = memoryview(struct.pack("<Q", len(payload)) + payload)
    os.set_blocking(start_w, False)
    deadline = time.monotonic() + PREPARED_WAIT_SECONDS
    acknowledgement = b""
    while time.monotonic() < deadline:
        ready_r, ready_w, _ = select.select([ack_r], [start_w] if pending else [], [],
                                            max(deadline - time.monotonic(), 0))
        if pending and ready_w:
            try:
                pending = pending[os.write(start_w, pending):]
            except BlockingIOError:
                continue
            except BrokenPipeError:  # the runner died
                return None
        if ready_r:
            chunk = os.read(ack_r, 64)
            if not chunk:
                break
            acknowledgement += chunk
    try:
        return float(acknowledgement.decode()) if not pending and acknowledgement else None
    except ValueError:
        return None


def remove_files_of(uid: int) -> int:
    """Remove what ``uid`` owns at the top of ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (where any
    user may write); returns how many entries. At ``container`` level, with no private tmpfs,
    the keeper calls it after each call: the uid is its zygote's alone (never a shared
    ``KIT_SANDBOX_USER``), so whatever it owns there the call left behind."""
    removed = 0
    for folder in PRIVATE_TMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)  # never follows a link inside
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


class Usage:
    """What the keeper sees of its runner's resources, read from the kernel (``/proc``), never
    from the runner's own reports: the runner's peak memory above what it started with (its
    ``VmPeak`` and ``VmData`` against the keeper's own size just before the fork) and the most
    tasks (processes and threads) that ran at once below the keeper.

    A limit counts as *reached* when the tasks reached ``processes`` (the next fork or thread
    fails there) or the memory came within :data:`MEMORY_SLACK_MB` of ``memory_mb`` (an allocation
    bigger than what is left fails there, so the peak stops short of the limit by at most one
    allocation).
    """

    def __init__(self, limits: dict, workdir: str | None = None):
        self.processes = int(limits["processes"])
        self.memory_kb = int(limits["memory_mb"]) * 1024
        self.file_bytes = int(limits["file_mb"]) * 1024 * 1024
        self.workdir = workdir
        self.largest_file = 0
        base = _memory_of("self")
        self.base_size, self.base_data = base.get("VmSize", 0), base.get("VmData", 0)
        self.memory_peak_kb = 0
        self.tasks_peak = self.processes_peak = 0
        self._next = 0.0

    def sample(self, runner: int, now: bool = False) -> None:
        """Read the runner's memory and count the tasks (at most every SAMPLE_SECONDS unless ``now``)."""
        moment = time.monotonic()
        if not now and moment < self._next:
            return
        self._next = moment + SAMPLE_SECONDS
        memory = _memory_of(runner)
        if memory:
            # VmPeak also counts what is not data (RLIMIT_DATA's measure): chiefly the 64 MB
            # address-space reservations of malloc's per-thread arenas, which are never given
            # back, so what is not data now is taken off the peak.
            size, data = memory.get("VmSize", 0), memory.get("VmData", 0)
            not_data = max(0, (size - data) - (self.base_size - self.base_data))
            self.memory_peak_kb = max(self.memory_peak_kb, data - self.base_data,
                                      memory.get("VmPeak", 0) - self.base_size - not_data)
        processes, tasks = _tasks_below(os.getpid())
        self.processes_peak, self.tasks_peak = max(self.processes_peak, processes), max(self.tasks_peak, tasks)
        if now and self.workdir:  # a write past RLIMIT_FSIZE stops at the limit: Python sees OSError(EFBIG)
            self.largest_file = max(self.largest_file, _largest_file(self.workdir))

    def fork_bomb(self) -> bool:
        """Whether the call ran :data:`FORK_BOMB_SHARE` of its process limit as processes of its
        own (threads aside): no honest call forks that much, and a bomb is cheaper to stop early
        (every copy of the zygote it makes takes time to tear down)."""
        return self.processes_peak >= max(2, FORK_BOMB_SHARE * self.processes)

    def reached(self) -> list[str]:
        found = ["processes"] if self.tasks_peak >= self.processes else []
        if self.memory_peak_kb >= self.memory_kb - min(MEMORY_SLACK_MB * 1024, self.memory_kb // 4):
            found.append("memory")
        if self.largest_file >= self.file_bytes:
            found.append("file_size")
        return found

    def report(self) -> dict:
        return {"memory_peak_mb": max(0, round(self.memory_peak_kb / 1024)), "tasks_peak": self.tasks_peak,
                "reached": self.reached()}


def _memory_of(pid) -> dict:
    """The ``Vm…`` lines of ``/proc/PID/status`` in kB ({} once the process has released its memory)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Vm"):
                    name, _, value = line.partition(":")
                    found[name] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return found


def _largest_file(folder: str, most: int = 1000) -> int:
    """The size of the largest regular file in ``folder`` (the call's scratch folder, its working
    directory and TMPDIR), looking at no more than ``most`` entries and following no link."""
    largest, seen = 0, 0
    for place, folders, files in os.walk(folder):
        for name in files:
            seen += 1
            try:
                status = os.lstat(os.path.join(place, name))
            except OSError:
                continue
            if stat.S_ISREG(status.st_mode):
                largest = max(largest, status.st_size)
        if seen + len(folders) > most:
            break
    return largest


def _tasks_below(root: int) -> tuple[int, int]:
    """(processes, tasks) descending from ``root`` (tasks count threads too), orphans it reaped
    included (a subreaper's, or a PID namespace's first process's); 0 without ``/proc/…/children``."""
    processes, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        if pid != root:
            processes += 1
            count += len(tasks)
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
            except (OSError, ValueError):
                pass
    return processes, count


def _verdict(reason: str, seen: Usage) -> str:
    """The state of a call that gave no answer: the limit it reached, when the keeper saw one,
    is why it crashed, hung or ended (a fork bomb spins on failed forks until the time limit, or
    its copies write into the answer channel; a memory bomb's failed allocations end in
    MemoryError, an abort inside TensorFlow, or a swap-slow crawl to the time limit). Output,
    answer and file-size floods keep their names."""
    if reason not in ("timeout", "cpu", "signal", "exited", "processes"):
        return reason
    reached = (["processes"] if seen.fork_bomb() else []) + seen.reached()
    return reached[0] if reached else reason


def _watch(runner, pidns, limits, started, result_r, output_r, answer, output, seen=None, gate=None,
           cpu_before: float = 0.0) -> dict:
    """Watch the runner until it answers, ends or breaks a limit; its status. ``gate`` (the
    write end of a pipe the runner waits on after its answer) is closed here once the keeper has
    read the runner's memory peak, which the runner's end would otherwise take with it."""
    seen = seen or Usage(limits)
    deadline = started + float(limits["timeout"])
    output_cap = int(limits["output_kb"]) * 1024
    answer_cap = int(limits["result_mb"]) * 1024 * 1024 + 8
    output_total = 0
    reason = None
    early = False
    open_fds = {result_r, output_r}
    exit_status = usage = None

    def open_gate():
        nonlocal gate
        if gate is not None:
            seen.sample(runner, now=True)
            os.close(gate)
            gate = None

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            reason = "timeout"
            break
        if open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], min(remaining, SAMPLE_SECONDS))
        else:  # both pipes closed: the runner is ending
            ready = []
            time.sleep(min(remaining, 0.002))
        for fd in ready:
            count = _read_some(fd, output if fd == output_r else answer, OUTPUT_TAIL_BYTES, tail=fd == output_r)
            if count == 0:
                open_fds.discard(fd)
            elif fd == output_r and count > 0:
                output_total += count
        if output_total > output_cap:
            reason = "output"
            break
        if len(answer) > answer_cap:
            reason = "answer"
            break
        seen.sample(runner)
        if seen.fork_bomb():  # stop it now, not at the time limit
            reason = "processes"
            break
        if gate is not None and (result_r not in open_fds or _complete(answer)):
            open_gate()  # the answer is in: the runner may end
        pid, exit_status, usage = os.wait4(runner, os.WNOHANG)
        if pid:
            break
        if pidns and not open_fds and _complete(answer):
            # Every writer of both pipes is gone (the runner closes them after its answer) and
            # the answer is whole: the call is answered. The runner's exit (tearing down its
            # copy of the zygote) goes on while the keeper reports; the keeper reaps it after.
            # Only with a PID namespace, whose processes all die with the runner; without one,
            # leftovers must be killed before the report (below), which waits for them.
            early = True
            break
    if reason is not None:
        seen.sample(runner, now=True)  # still alive: its memory is still there to read
    open_gate()  # on every way out: the runner must never wait for a keeper that has stopped watching
    seconds = time.monotonic() - started
    if early:
        _kill(runner, pidns)  # it is ending anyway; stragglers of its namespace die with it
        return {"seconds": round(seconds, 4), "output_bytes": output_total, "state": "answered", "reap": runner,
                **seen.report(), **({"settle": True} if seen.processes_peak > 1 else {})}
    _kill(runner, pidns)  # after an answer: the stragglers the submission forked and left behind
    # With a PID namespace, a call stopped for a limit is reported at once and its namespace's end
    # awaited after ("settle": the grader waits for it before the next call): a fork bomb's
    # hundreds of copies of the zygote take seconds to tear down on a loaded machine.
    settle = reason is not None and pidns
    if reason is not None and not pidns:
        _, exit_status, usage = os.wait4(runner, 0)
    if not pidns:
        kill_leftovers()
    for fd in (result_r, output_r):  # drain what was written before the end
        while fd in open_fds:
            count = _read_some(fd, output if fd == output_r else answer, OUTPUT_TAIL_BYTES, tail=fd == output_r)
            if count <= 0 or len(answer) > answer_cap:
                open_fds.discard(fd)
            elif fd == output_r:
                output_total += count
    result = {"seconds": round(seconds, 4), "output_bytes": output_total, **seen.report()}
    if settle:
        result.update(state=_verdict(reason, seen), signal="SIGKILL", reap=runner, settle=True)
        return result
    cpu_seconds = max(0.0, usage.ru_utime + usage.ru_stime - cpu_before)  # a prepared runner's warm-up aside
    result["cpu_seconds"] = round(cpu_seconds, 3)
    if os.WIFSIGNALED(exit_status):
        result["signal"] = signal.Signals(os.WTERMSIG(exit_status)).name
    elif os.WIFEXITED(exit_status):
        result["exit_code"] = os.WEXITSTATUS(exit_status)
    if reason is None:
        if "signal" in result:
            reason = {"SIGXCPU": "cpu", "SIGXFSZ": "file_size"}.get(result["signal"], "signal")
            # As the first process of its PID namespace the runner ignores SIGXCPU; the kernel
            # then kills it at the hard limit, one second later: still the CPU limit's doing.
            if reason == "signal" and cpu_seconds >= _cpu_limit(limits):
                reason = "cpu"
        elif answer:
            reason = "answered"
        else:
            reason = "exited"
    result["state"] = _verdict(reason, seen)
    return result


def _complete(answer: bytearray) -> bool:
    """Whether ``answer`` holds exactly one whole frame (its 8-byte length, then that many bytes)."""
    return len(answer) >= 8 and int.from_bytes(answer[:8], "little") == len(answer) - 8


def _kill(runner, pidns) -> None:
    # With a PID namespace, killing its first process takes every descendant with it.
    for target, kill in ((runner, os.kill), (runner, os.killpg)):
        if pidns and kill is os.killpg:
            continue
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _children() -> list[int]:
    """This process's children, re-parented orphans included."""
    found = []
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as handle:
                found += [int(pid) for pid in handle.read().split()]
    except OSError:  # a kernel without CONFIG_PROC_CHILDREN: scan every process's parent
        me = str(os.getpid())
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if fields[1] == me:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def kill_leftovers(deadline_seconds: float = LEFTOVER_KILL_SECONDS) -> int:
    """Kill and reap every remaining child of this (subreaper) keeper; returns how many it killed.

    Without a PID namespace this is what stops a process that left the runner's process group
    (``setsid``, a double fork): as an orphan it became the keeper's child, and it dies here,
    before the keeper reports, so it can never touch a later call.
    """
    killed = 0
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return killed  # no child at all: nothing is left
        if pid:
            continue
        for child in _children():
            try:
                os.kill(child, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            return killed
        time.sleep(0.001)
