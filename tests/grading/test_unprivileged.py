"""The degraded sandbox (grader not root): still survives loops, exits and floods, and says so."""

from pathlib import Path

import pytest

from kit.grading import grade_submission
from tests.grading.conftest import TEST_LIMITS

HERE = Path(__file__).parent / "submissions"
BASE = (HERE / "_base.py").read_text()


@pytest.mark.slow
def test_without_root_hostile_calls_cost_only_their_checks(monkeypatch, checks04, tmp_path):
    from kit.grading.sandbox.zygote import Zygote

    monkeypatch.setenv("KIT_SANDBOX_UNPRIVILEGED", "1")  # the zygote inherits it: no namespaces, no user change
    with Zygote() as zygote:
        good = tmp_path / "good.py"
        good.write_text(BASE)
        result = grade_submission("04", good, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
        assert result.score == 100 and any("not root" in note for note in result.notes)
        # Each limit is named as with the full sandbox (the keeper measures the runner the same way).
        for name, function, said in (("infinite_loop.py", "relu", "time limit"),
                                     ("os_exit_mid_call.py", "leaky_relu", "ended the process"),
                                     ("output_flood.py", "tanh_grad", f"printed more than {TEST_LIMITS.output_kb} KB"),
                                     ("memory_bomb.py", "sigmoid", f"more than {TEST_LIMITS.memory_mb} MB of memory")):
            path = tmp_path / name
            path.write_text(BASE + "\n\n" + (HERE / name).read_text())
            result = grade_submission("04", path, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
            failing = {c.name.split(":")[0].split("(")[0].split(" ")[0] for c in result.checks if not c.passed}
            assert failing == {function}, (name, failing)
            for c in result.checks:
                assert c.passed or (said in c.message and "report" not in c.message), (name, c.message)


@pytest.mark.slow
def test_leak_probes_do_find_secrets_when_isolation_is_off(monkeypatch, checks04, tmp_path):
    # The corpus's "affects: none" probes pass only because the sandbox stops them: without the
    # namespaces and hidden mounts, the same files must find the checks, a solution and the server.
    import socket

    from kit.grading.sandbox.zygote import Zygote

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)  # every input of a call connects once: the queue must not fill (connect would wait)
    port = server.getsockname()[1]
    monkeypatch.setenv("KIT_SANDBOX_UNPRIVILEGED", "1")
    try:
        with Zygote(hide=[]) as zygote:
            for name, function in (("read_checks.py", "sigmoid"), ("read_solution.py", "tanh"),
                                   ("socket_localhost.py", "tanh")):
                path = tmp_path / name
                path.write_text(BASE + "\n\n" + (HERE / name).read_text().replace("{PORT}", str(port)))
                result = grade_submission("04", path, zygote=zygote, limits=TEST_LIMITS, checks=checks04)
                leaked = [c for c in result.checks if "LEAKED" in c.message]
                assert leaked and all(c.name.startswith(function) for c in leaked), (name, result.checks)
    finally:
        server.close()
