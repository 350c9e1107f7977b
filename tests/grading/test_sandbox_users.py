"""As root, each zygote runs its calls as its own sandbox user, so parallel workers never share
one user's process limit (RLIMIT_NPROC counts every process and thread of a uid).

Two zygotes for the module: one submission fills its process limit with threads and holds them
while the other zygote's honest call starts threads of its own. With a user each, the honest
call succeeds; made to share one user (what the sandbox did before), it fails: the test can fail.
"""

import os
import threading
import time

import pytest

from kit.grading.sandbox.limits import Limits

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox users exist only when grading as root")

# 40 processes and threads: far more than an honest call starts (the 8 threads below), so only
# another call's flood can exhaust it.
LIMITS = Limits(timeout=8, processes=40)
WHO = "import os\n\ndef who():\n    return [os.getuid(), os.getgid(), len(os.getgroups())]\n"
# Starts threads until the limit refuses one, then holds them all for a few seconds.
FLOOD = '''
import threading, time

def flood():
    stop = threading.Event()
    started = 0
    try:
        while started < 10000:
            threading.Thread(target=stop.wait, daemon=True).start()
            started += 1
    except RuntimeError:
        pass
    time.sleep(5)
    return started
'''
HONEST = '''
import threading

def eight():
    threads = [threading.Thread(target=sum, args=([1, 2],)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(threads)
'''


@pytest.fixture(scope="module")
def two_zygotes():
    from kit.grading.sandbox.zygote import Zygote

    with Zygote() as first, Zygote() as second:
        yield first, second


def test_each_zygote_runs_its_calls_as_its_own_unprivileged_user(two_zygotes):
    import pwd

    from kit.grading.sandbox.zygote import sandbox_uids

    seen = []
    for zygote in two_zygotes:
        outcome = zygote.call(WHO, "call", {"function": "who", "args": []}, LIMITS)
        uid, gid, groups = outcome.value["plain"]
        assert (uid, gid) == zygote.user and groups == 0
        assert uid in sandbox_uids() and uid != 0
        with pytest.raises(KeyError):
            pwd.getpwuid(uid)  # no account: no files of its own for a submission to read
        seen.append(uid)
    assert seen[0] != seen[1]


def _tasks_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            pass
    return count


def _honest_call_during_a_flood(flooding, honest):
    """The honest zygote's call, made while the flooding zygote's call holds its whole process limit."""
    flooded = {}
    thread = threading.Thread(target=lambda: flooded.update(
        outcome=flooding.call(FLOOD, "call", {"function": "flood", "args": []}, LIMITS)))
    thread.start()
    deadline = time.monotonic() + 30
    while _tasks_of(flooding.user[0]) < LIMITS.processes - 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the flood holds (almost) every task its limit allows
    assert time.monotonic() < deadline, "the flood never filled its process limit"
    outcome = honest.call(HONEST, "call", {"function": "eight", "args": []}, LIMITS)
    thread.join()
    assert flooded["outcome"].ok and flooded["outcome"].value["plain"] >= LIMITS.processes - 2, flooded["outcome"]
    return outcome


@pytest.mark.slow  # the flood holds its threads 5 s
def test_a_flood_in_one_worker_does_not_starve_another(two_zygotes):
    flooding, honest = two_zygotes
    outcome = _honest_call_during_a_flood(flooding, honest)
    assert outcome.ok and outcome.value["plain"] == 8, (outcome.state, outcome.error)


@pytest.mark.slow  # the flood holds its threads 5 s
def test_sharing_one_user_would_starve_it(two_zygotes):
    # The control: with one user for both (as with a single KIT_SANDBOX_USER), the same honest
    # call cannot start its threads. Without it, the test above could pass for another reason.
    flooding, honest = two_zygotes
    own = honest.user
    honest.user = flooding.user
    try:
        outcome = _honest_call_during_a_flood(flooding, honest)
    finally:
        honest.user = own
    raised = outcome.value.get("error") if outcome.ok else None  # the call driver's report of a raise
    assert raised and raised["type"] == "RuntimeError" and "thread" in raised["message"], (outcome.state, outcome.value)


def test_a_range_that_is_not_one_is_refused(monkeypatch):
    from kit.grading.sandbox.zygote import claim_sandbox_user, sandbox_uids

    for text in ("0-10", "60999-60600", "many", "-5"):
        monkeypatch.setenv("KIT_SANDBOX_UIDS", text)
        with pytest.raises(ValueError, match="KIT_SANDBOX_UIDS environment variable must be a range"):
            sandbox_uids()
    monkeypatch.setenv("KIT_SANDBOX_UIDS", "60990-60990")
    user, lock = claim_sandbox_user()
    try:
        assert user == (60990, 60990)
        with pytest.raises(RuntimeError, match="every sandbox user of KIT_SANDBOX_UIDS \\(60990-60990\\) is taken"):
            claim_sandbox_user()  # held by the lock above, as by a running zygote
    finally:
        os.close(lock)
    user, lock = claim_sandbox_user()  # free again once its holder is gone
    os.close(lock)
    assert user == (60990, 60990)
